import CQGemm
import Dispatch

/// The int8 × uint8 → int32 matrix product of quantized convolutions: `C = A × B` with A a
/// constant int8 matrix (weights, packed once) and B a uint8 matrix (im2col columns of the
/// quantized activations). Runs the AVX-512 VNNI kernel of the CQGemm target when the CPU has
/// it; `multiplyPlain` is the plain kernel it is tested against.
public enum QGemm {
    /// True when the VNNI kernel runs on this CPU (checked once).
    public static let available: Bool = sq_qgemm_available() != 0

    /// A constant int8 matrix (m × k) packed for the kernel, with its row sums (for the
    /// activations' zero-point correction).
    public final class PackedMatrix: @unchecked Sendable {
        public let rows: Int, depth: Int
        /// Σ_p A[i][p] per row.
        public let rowSums: [Int32]
        let bytes: UnsafeMutableRawPointer
        let plain: [Int8]

        /// - Parameters: `a` row-major, `rows × depth` values.
        public init(_ a: [Int8], rows: Int, depth: Int) throws {
            guard rows > 0, depth > 0, a.count == rows * depth, rows < Int(Int32.max), depth < Int(Int32.max) else {
                throw TensorError("int8 matrix \(rows)×\(depth) does not match its \(a.count) values")
            }
            self.rows = rows
            self.depth = depth
            plain = a
            rowSums = (0..<rows).map { i in a[(i * depth)..<((i + 1) * depth)].reduce(Int32(0)) { $0 &+ Int32($1) } }
            let size = sq_qgemm_packed_a_size(Int32(rows), Int32(depth))
            bytes = UnsafeMutableRawPointer.allocate(byteCount: max(size, 64), alignment: 64)
            a.withUnsafeBufferPointer { p in
                if let base = p.baseAddress {
                    sq_qgemm_pack_a(base, Int32(depth), Int32(rows), Int32(depth), bytes.assumingMemoryBound(to: Int8.self))
                }
            }
        }
        deinit { bytes.deallocate() }
    }

    /// `c[i * ldc + j] = Σ_p A[i][p] * b[p * ldb + j]` for every row i of A and `j < n`
    /// (wrapping int32), the columns split over the kernel threads. `b` holds `depth × ldb`
    /// bytes, `c` `rows × ldc` int32 values.
    public static func multiply(_ a: PackedMatrix, b: UnsafePointer<UInt8>, ldb: Int, n: Int,
                                c: UnsafeMutablePointer<Int32>, ldc: Int) {
        guard n > 0 else { return }
        guard available else {
            multiplyPlain(a, b: b, ldb: ldb, n: n, c: c, ldc: ldc)
            return
        }
        let panel = Int(SQ_QGEMM_NR)
        let panels = (n + panel - 1) / panel
        let parts = min(max(1, kernelThreads), panels, max(1, a.rows * a.depth * n / (1 << 20)))
        let scratchSize = sq_qgemm_scratch_size(Int32(a.depth))
        let per = (panels + parts - 1) / parts
        let run = { (part: Int) in
            let j0 = part * per * panel, j1 = min(n, (part + 1) * per * panel)
            if j0 >= j1 { return }
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
            defer { scratch.deallocate() }
            sq_qgemm_u8s8(Int32(a.rows), Int32(j0), Int32(j1), Int32(a.depth), a.bytes.assumingMemoryBound(to: Int8.self),
                          b, Int32(ldb), c, Int32(ldc), scratch.assumingMemoryBound(to: UInt8.self))
        }
        if parts == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: run) }
    }

    /// The plain kernel (the yardstick, and the path on CPUs without VNNI).
    public static func multiplyPlain(_ a: PackedMatrix, b: UnsafePointer<UInt8>, ldb: Int, n: Int,
                                     c: UnsafeMutablePointer<Int32>, ldc: Int) {
        let k = a.depth
        a.plain.withUnsafeBufferPointer { pa in
            parallelItems(a.rows, costPerItem: k * n) { i in
                let row = c + i * ldc
                row.update(repeating: 0, count: n)
                for p in 0..<k {
                    let w = Int32(pa[i * k + p])
                    if w == 0 { continue }
                    let bp = b + p * ldb
                    for j in 0..<n { row[j] &+= w &* Int32(bp[j]) }
                }
            }
        }
    }
}
