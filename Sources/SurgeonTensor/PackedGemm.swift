import CPackedGemm
import Foundation

/// A constant float32 matrix B (k × n) packed once for `sgemmPacked`: linear layers multiply
/// by the same weight at every run, and OpenBLAS re-packs it at every call (it has no public
/// packing API; for ViT-B/16 that copying was ~12% of the matrix products' time). The kernels
/// live in the CPackedGemm C target (AVX-512F, AVX2 + FMA, chosen at run time) and read the
/// layout below whatever the level; `sgemmReference` is the yardstick the tests use.
public final class PackedMatrix: @unchecked Sendable {
    /// op(B) is k × n.
    public let k: Int, n: Int
    /// The packed floats (`sp_gemm_packed_size(k, n)`), a tensor so that the memory budget
    /// counts them.
    let storage: Tensor

    /// The kernel set this CPU runs (2 AVX-512F, 1 AVX2 + FMA, 0 the plain C loops).
    public static let level: Int = Int(sp_gemm_level())
    /// True when packing pays here: a vector kernel runs (the plain one is a yardstick).
    public static var isFast: Bool { level > 0 }

    /// The level a family of vector kernels runs at: `level`, unless the environment variable
    /// `name` is `swift` or `off` (0: the family's Swift loops) or `avx2` (at most 1), the
    /// switches for A/B runs of one binary (SURGEON_EXP_KERNEL, SURGEON_ACT_KERNEL,
    /// SURGEON_DW_KERNEL).
    public static func level(switch name: String) -> Int {
        switch getenv(name).map({ String(cString: $0) }) {
        case "swift"?, "off"?: return 0
        case "avx2"?: return min(level, 1)
        default: return level
        }
    }

    /// Packs B: row-major k × n with row stride `ldb`, or, when `transposed`, Bᵀ stored as n × k.
    /// Throws when the memory budget refuses the copy or a size does not fit the kernel's
    /// 32-bit indices.
    /// `packed(byteOffset, byteCount)`, when given, is told each range of B's storage (bytes
    /// from `b`) as soon as it is packed, in stored rows of about `PackedMatrix.pieceBytes`, from
    /// whichever kernel thread packed it (it must be thread-safe): the caller drops those pages
    /// of a memory-mapped weight at once, so packing a 49 MB weight (Faster R-CNN's box head)
    /// does not hold the whole original beside the whole copy.
    public init(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, k: Int, n: Int,
                packed: ((Int, Int) -> Void)? = nil) throws {
        let limit = Int(Int32.max) / 2
        guard k > 0, n > 0, k < limit, n < limit, ldb < limit, (transposed ? ldb >= k : ldb >= n) else {
            throw TensorError("cannot pack a \(k)×\(n) matrix with row stride \(ldb)")
        }
        let count = sp_gemm_packed_size(Int32(k), Int32(n))
        self.k = k
        self.n = n
        storage = try Tensor.buildOverwriting([count], of: Float.self) { p in
            guard let base = p.baseAddress else { return }
            let t: Int32 = transposed ? 1 : 0
            guard let packed else {
                sp_gemm_pack_b(b, Int32(ldb), t, Int32(k), Int32(n), base)
                return
            }
            // Stored rows of B at a time: Bᵀ's rows are panels of columns (multiples of NR),
            // B's rows are blocks of 256 (`sp_gemm_pack_b_part`'s units).
            let unit = transposed ? Int(SP_GEMM_NR) : 256
            let rows = transposed ? n : k
            let step = max(unit, PackedMatrix.pieceBytes / max(ldb * 4, 1) / unit * unit)
            // The pieces write disjoint parts of the copy: spread over the kernel threads (a
            // model's first run packs all its linear weights: 344 MB for ViT-B/16).
            let pieces = (rows + step - 1) / step
            let threads = min(max(1, kernelThreads), pieces)
            parallelFor(pieces, threads: threads) { piece in
                let r0 = piece * step, r1 = min(rows, r0 + step)
                if transposed {
                    sp_gemm_pack_b_part(b, Int32(ldb), t, Int32(k), Int32(n), 0, Int32(k), Int32(r0), Int32(r1), base)
                } else {
                    sp_gemm_pack_b_part(b, Int32(ldb), t, Int32(k), Int32(n), Int32(r0), Int32(r1), 0, Int32(n), base)
                }
                packed(r0 * ldb * 4, (r1 - r0) * ldb * 4)
            }
        }
    }

    /// Bytes of B packed between two `packed` calls (about).
    static let pieceBytes = 2 << 20

    /// The packed tensor's bytes (for tests and memory accounting).
    public var byteCount: Int { storage.byteCount }
}

/// `C = A · B` (or `C += A · B` when `accumulate`) for A row-major m × k (row stride `lda`), B
/// packed, C row-major m × n (row stride `ldc`), split among `threads` kernel threads: by
/// column panels of B when there are enough, else by rows. `epilogue(p, rows, j0, cols)`, when
/// given, is called on every block of C as soon as it is final (`p` = C[i][j0], rows × cols,
/// stride ldc: one register tile of rows, at most 12, by up to 1024 columns), by the thread
/// that computed it, while the block is still in cache; it sees every element once.
/// Returns false (C untouched) when a size does not fit the kernel's 32-bit indices.
/// `level` (tests) caps the kernel set used.
@discardableResult
public func sgemmPacked(
    m: Int, a: UnsafePointer<Float>, lda: Int, b: PackedMatrix, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool = false, threads: Int = kernelThreads, level: Int = PackedMatrix.level,
    epilogue: ((UnsafeMutablePointer<Float>, Int, Int, Int) -> Void)? = nil
) -> Bool {
    withExtendedLifetime(b) {
        sgemmPacked(m: m, a: a, lda: lda, packed: UnsafePointer(b.storage.rawPointer.assumingMemoryBound(to: Float.self)),
                    k: b.k, n: b.n, c: c, ldc: ldc, accumulate: accumulate, threads: threads, level: level,
                    epilogue: epilogue)
    }
}

/// Floats `packB` writes for a k × n matrix (n rounded up to the 32-column panels, times k).
public func packedCount(k: Int, n: Int) -> Int {
    k > 0 && n > 0 ? (n + Int(SP_GEMM_NR) - 1) / Int(SP_GEMM_NR) * Int(SP_GEMM_NR) * k : 0
}

/// Packs B (k × n row-major, row stride `ldb`) into `packed` (`packedCount(k:n:)` floats) for
/// the `sgemmPacked(m:a:lda:packed:k:n:...)` below: a matrix that changes from call to call
/// (a convolution's im2col columns), packed once per product rather than once for good.
/// False (nothing written) when a size does not fit the kernel's 32-bit indices.
@discardableResult
public func packB(_ b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>) -> Bool {
    let limit = Int(Int32.max) / 2
    guard k > 0, n > 0, k < limit, n < limit, ldb < limit, ldb >= n, packedCount(k: k, n: n) < Int(Int32.max) else { return false }
    sp_gemm_pack_b(b, Int32(ldb), 0, Int32(k), Int32(n), packed)
    return true
}

/// `sgemmPacked` on B packed by `packB` (k × n, at `packed`), with an optional value per row of
/// C (`rowBias`, m values) that the products add to when not accumulating (a convolution's
/// bias: C = bias + A · B, the same bits as C filled with the bias, then accumulated).
@discardableResult
public func sgemmPacked(
    m: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, k: Int, n: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false, rowBias: UnsafePointer<Float>? = nil,
    threads: Int = kernelThreads, level: Int = PackedMatrix.level,
    epilogue: ((UnsafeMutablePointer<Float>, Int, Int, Int) -> Void)? = nil
) -> Bool {
    let limit = Int(Int32.max) / 2
    guard m < limit, k > 0, n > 0, k < limit, n < limit, lda < limit, ldc < limit, lda >= k, ldc >= n else { return false }
    if m <= 0 { return true }
    let nr = Int(SP_GEMM_NR)
    let run = { (i0: Int, rows: Int, j0: Int, cols: Int) in
        let call = { (fn: sp_gemm_epilogue?, context: UnsafeMutableRawPointer?) in
            _ = sp_gemm_packed_bias(Int32(level), Int32(rows), Int32(n), Int32(k), a + i0 * lda, Int32(lda), packed,
                                    c + i0 * ldc, Int32(ldc), Int32(j0), Int32(j0 + cols), accumulate ? 1 : 0,
                                    rowBias.map { $0 + i0 }, fn, context)
        }
        guard let epilogue else { return call(nil, nil) }
        withoutActuallyEscaping(epilogue) { body in
            let box = PackedEpilogueBox(body)
            withExtendedLifetime(box) { call(packedEpilogueTrampoline, Unmanaged.passUnretained(box).toOpaque()) }
        }
    }
    let panels = (n + nr - 1) / nr
    let parts = isSplittable(m: m, n: n, k: k) ? min(max(threads, 1), max(panels, (m + 11) / 12)) : 1
    if parts <= 1 {
        run(0, m, 0, n)
    } else if panels >= 4 * parts {
        // Each thread reads its own columns of B (and all of A).
        let per = (panels + parts - 1) / parts * nr
        parallelFor(parts, threads: parts) { p in
            let j0 = p * per
            if j0 < n { run(0, m, j0, min(per, n - j0)) }
        }
    } else {
        let per = ((m + parts - 1) / parts + 11) / 12 * 12
        parallelFor(parts, threads: parts) { p in
            let i0 = p * per
            if i0 < m { run(i0, min(per, m - i0), 0, n) }
        }
    }
    return true
}

/// The Swift epilogue of one `sgemmPacked` block, reached from C through `context`.
private final class PackedEpilogueBox {
    let body: (UnsafeMutablePointer<Float>, Int, Int, Int) -> Void
    init(_ body: @escaping (UnsafeMutablePointer<Float>, Int, Int, Int) -> Void) { self.body = body }
}

private let packedEpilogueTrampoline: sp_gemm_epilogue = { context, p, rows, j0, cols in
    guard let context, let p else { return }
    Unmanaged<PackedEpilogueBox>.fromOpaque(context).takeUnretainedValue().body(p, Int(rows), Int(j0), Int(cols))
}
