import CQGemm
import Dispatch

/// The uint8 × int8 → int32 matrix product of quantized convolutions: `C = A × Wᵀ` with A a
/// uint8 matrix (one row of im2col'd activations per output position) and W a constant int8
/// matrix (one row of weights per output channel, packed once). Runs the AVX-512 VNNI kernel
/// of the CQGemm target when the CPU has it; `multiplyPlain` is the plain kernel it is tested
/// against.
public enum QGemm {
    /// True when the VNNI kernel runs on this CPU (checked once).
    public static let available: Bool = sq_qgemm_available() != 0

    /// The row stride A needs for a depth k: k rounded up to 4 (the kernel reads 4 bytes at a time).
    public static func rowStride(depth k: Int) -> Int { (k + 3) / 4 * 4 }

    /// A constant int8 matrix W (n × k) packed for the kernel, with its row sums (for the
    /// activations' zero-point correction).
    public final class PackedWeights: @unchecked Sendable {
        public let rows: Int, depth: Int
        /// Σ_p W[j][p] per row.
        public let rowSums: [Int32]
        let bytes: UnsafeMutableRawPointer
        let plain: [Int8]

        /// - Parameters: `w` row-major, `rows × depth` values.
        public init(_ w: [Int8], rows: Int, depth: Int) throws {
            guard rows > 0, depth > 0, w.count == rows * depth, rows < Int(Int32.max) / 4, depth < Int(Int32.max) / 4 else {
                throw TensorError("int8 matrix \(rows)×\(depth) does not match its \(w.count) values")
            }
            self.rows = rows
            self.depth = depth
            plain = w
            rowSums = w.withUnsafeBufferPointer { p in
                (0..<rows).map { j in
                    var sum: Int32 = 0
                    for v in p[(j * depth)..<((j + 1) * depth)] { sum &+= Int32(v) }
                    return sum
                }
            }
            let size = sq_qgemm_packed_w_size(Int32(rows), Int32(depth))
            bytes = UnsafeMutableRawPointer.allocate(byteCount: max(size, 64), alignment: 64)
            w.withUnsafeBufferPointer { p in
                if let base = p.baseAddress {
                    sq_qgemm_pack_w(base, Int32(depth), Int32(rows), Int32(depth), bytes.assumingMemoryBound(to: Int8.self))
                }
            }
        }
        deinit { bytes.deallocate() }
    }

    /// `c[i * ldc + j] = Σ_p a[i * lda + p] * W[j][p]` for `i < m` and every row j of W
    /// (wrapping int32), the rows of A split over the kernel threads. `lda` must be
    /// `rowStride(depth:)` or more; A's bytes from `depth` to the stride are read but multiply
    /// zeros.
    public static func multiply(a: UnsafePointer<UInt8>, lda: Int, m: Int, _ w: PackedWeights,
                                c: UnsafeMutablePointer<Int32>, ldc: Int) {
        guard m > 0 else { return }
        guard kernelRunsRows(lda: lda, m: m, w), ldc < Int(Int32.max) else {
            multiplyPlain(a: a, lda: lda, m: m, w, c: c, ldc: ldc)
            return
        }
        kernelRows(a: a, lda: lda, m: m, w, c: c, ldc: ldc, dq: nil)
    }

    /// Whether the VNNI kernel runs `multiply` / `multiplyDequantized` on these sizes.
    private static func kernelRunsRows(lda: Int, m: Int, _ w: PackedWeights) -> Bool {
        let limit = Int(Int32.max)
        return available && lda >= rowStride(depth: w.depth) && lda % 4 == 0 && m < limit && lda < limit
    }

    /// The VNNI kernel over rows of A: the sums into C, or dequantized by `dq` when given.
    private static func kernelRows(a: UnsafePointer<UInt8>, lda: Int, m: Int, _ w: PackedWeights,
                                   c: UnsafeMutablePointer<Int32>?, ldc: Int, dq: UnsafePointer<sq_dq>?) {
        splitRows(m, w) { i0, i1 in
            sq_qgemm_u8s8(Int32(i0), Int32(i1), Int32(m), Int32(w.rows), Int32(w.depth), a, Int32(lda),
                          w.bytes.assumingMemoryBound(to: Int8.self), c, Int32(ldc), dq)
        }
    }

    /// `body(i0, i1)` over ranges of whole kernel blocks of A's m rows, one per kernel thread
    /// (as many as the product's size warrants: about 1M multiply-adds each at least).
    private static func splitRows(_ m: Int, _ w: PackedWeights, _ body: (Int, Int) -> Void) {
        let block = Int(SQ_QGEMM_MR)
        let blocks = (m + block - 1) / block
        let parts = min(max(1, kernelThreads), blocks, max(1, m * w.rows * w.depth / (1 << 20)))
        let per = (blocks + parts - 1) / parts
        func run(_ part: Int) {
            let i0 = part * per * block, i1 = min(m, (part + 1) * per * block)
            if i0 < i1 { body(i0, i1) }
        }
        if parts == 1 { run(0) } else { parallelFor(parts, threads: parts) { run($0) } }
    }

    /// `c[i * ldc + j] = Σ_t Σ_p ind[i * taps + t][p] * W[j][t * channels + p]` for `i < m`: the
    /// product of rows of A given as `taps` runs of `channels` bytes each (`depth` = taps ·
    /// channels), read where they are (a convolution's taps in its NHWC input, no im2col copy).
    /// The rows of A split over the kernel threads as in `multiply`; without the VNNI kernel
    /// or with `channels` not a multiple of 4, `multiplyIndirectPlain`.
    public static func multiplyIndirect(_ ind: UnsafePointer<UnsafePointer<UInt8>?>, taps: Int, channels: Int, m: Int,
                                        _ w: PackedWeights, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        guard m > 0 else { return }
        guard kernelRunsIndirect(taps: taps, channels: channels, m: m, w), ldc < Int(Int32.max) else {
            multiplyIndirectPlain(ind, taps: taps, channels: channels, m: m, w, c: c, ldc: ldc)
            return
        }
        kernelIndirect(ind, taps: taps, channels: channels, m: m, w, c: c, ldc: ldc, dq: nil)
    }

    /// Whether the VNNI kernel runs `multiplyIndirect` / `multiplyIndirectDequantized` on these sizes.
    private static func kernelRunsIndirect(taps: Int, channels: Int, m: Int, _ w: PackedWeights) -> Bool {
        available && taps > 0 && channels > 0 && channels % 4 == 0 && taps * channels == w.depth && m < Int(Int32.max)
    }

    /// The VNNI kernel over rows of A given by `ind`: the sums into C, or dequantized by `dq`.
    private static func kernelIndirect(_ ind: UnsafePointer<UnsafePointer<UInt8>?>, taps: Int, channels: Int, m: Int,
                                       _ w: PackedWeights, c: UnsafeMutablePointer<Int32>?, ldc: Int,
                                       dq: UnsafePointer<sq_dq>?) {
        splitRows(m, w) { i0, i1 in
            sq_qgemm_u8s8_indirect(Int32(i0), Int32(i1), Int32(w.rows), Int32(taps), Int32(channels), ind,
                                   w.bytes.assumingMemoryBound(to: Int8.self), c, Int32(ldc), dq)
        }
    }

    /// Per output channel j, what the `…Dequantized` products turn their sum into:
    /// `Float(sum &- correction[j]) * scale[j] + bias[j]` (each operation rounded on its own),
    /// stored at `out[j * positions + i]` for row i: a quantized convolution's float32 planes
    /// [M, positions], written by the kernel from its registers (no int32 matrix in memory).
    public struct Dequantization {
        public let correction: UnsafePointer<Int32>
        public let scale: UnsafePointer<Float>
        public let bias: UnsafePointer<Float>
        public let out: UnsafeMutablePointer<Float>
        public let positions: Int
        public init(correction: UnsafePointer<Int32>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, positions: Int) {
            self.correction = correction
            self.scale = scale
            self.bias = bias
            self.out = out
            self.positions = positions
        }
        /// The kernel's form of it.
        var c: sq_dq { sq_dq(corr: correction, scale: scale, bias: bias, out: out, positions: positions) }
    }

    /// `multiplyIndirect` with the sums dequantized by `dq` (rows i < m, `dq.positions` ≥ m)
    /// instead of stored in an int32 matrix. False (nothing written) where the VNNI kernel
    /// does not run (`multiplyIndirect`'s conditions): the caller multiplies and dequantizes.
    public static func multiplyIndirectDequantized(_ ind: UnsafePointer<UnsafePointer<UInt8>?>, taps: Int, channels: Int,
                                                   m: Int, _ w: PackedWeights, _ dq: Dequantization) -> Bool {
        guard m > 0 else { return true }
        guard kernelRunsIndirect(taps: taps, channels: channels, m: m, w), dq.positions >= m else { return false }
        withUnsafePointer(to: dq.c) { kernelIndirect(ind, taps: taps, channels: channels, m: m, w, c: nil, ldc: 0, dq: $0) }
        return true
    }

    /// `multiply` with the sums dequantized by `dq` (rows i < m, `dq.positions` ≥ m) instead
    /// of stored in an int32 matrix. False (nothing written) where the VNNI kernel does not
    /// run (`multiply`'s conditions): the caller multiplies and dequantizes.
    public static func multiplyDequantized(a: UnsafePointer<UInt8>, lda: Int, m: Int, _ w: PackedWeights,
                                           _ dq: Dequantization) -> Bool {
        guard m > 0 else { return true }
        guard kernelRunsRows(lda: lda, m: m, w), dq.positions >= m else { return false }
        withUnsafePointer(to: dq.c) { kernelRows(a: a, lda: lda, m: m, w, c: nil, ldc: 0, dq: $0) }
        return true
    }

    /// The plain kernel of `multiplyIndirect` (its yardstick; nil pointers read zeros).
    public static func multiplyIndirectPlain(_ ind: UnsafePointer<UnsafePointer<UInt8>?>, taps: Int, channels: Int, m: Int,
                                             _ w: PackedWeights, c: UnsafeMutablePointer<Int32>, ldc: Int) {
        let k = w.depth, n = w.rows
        w.plain.withUnsafeBufferPointer { pw in
            parallelItems(m, costPerItem: k * n) { i in
                let out = c + i * ldc
                for j in 0..<n {
                    var s: Int32 = 0
                    for t in 0..<taps {
                        guard let row = ind[i * taps + t] else { continue }
                        let wr = j * k + t * channels
                        for p in 0..<channels where t * channels + p < k { s &+= Int32(row[p]) &* Int32(pw[wr + p]) }
                    }
                    out[j] = s
                }
            }
        }
    }

    /// `dst[j * dstStride + i] = src[i * srcStride + j] ^ flip` for `i < rows`, `j < cols`
    /// (CQGemm's 16 × 16 SSE2 byte blocks, the edges byte by byte), on the calling thread.
    public static func transposeBytes(_ src: UnsafePointer<UInt8>, rows: Int, cols: Int, srcStride: Int,
                                      _ dst: UnsafeMutablePointer<UInt8>, dstStride: Int, flip: UInt8) {
        guard rows > 0, cols > 0 else { return }
        sq_transpose_u8(src, rows, cols, srcStride, dst, dstStride, flip)
    }

    /// The plain kernel (the yardstick, and the path on CPUs without VNNI).
    public static func multiplyPlain(a: UnsafePointer<UInt8>, lda: Int, m: Int, _ w: PackedWeights,
                                     c: UnsafeMutablePointer<Int32>, ldc: Int) {
        let k = w.depth, n = w.rows
        w.plain.withUnsafeBufferPointer { pw in
            parallelItems(m, costPerItem: k * n) { i in
                let row = a + i * lda, out = c + i * ldc
                for j in 0..<n {
                    var s: Int32 = 0
                    let wr = j * k
                    for p in 0..<k { s &+= Int32(row[p]) &* Int32(pw[wr + p]) }
                    out[j] = s
                }
            }
        }
    }
}
