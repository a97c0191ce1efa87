#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

// OpenBLAS is opened with dlopen on first use instead of being linked: OpenBLAS picks its
// kernels in a library constructor, and 0.3.21 (Debian 12) does not know recent Xeons
// (e.g. family 6 model 207) and falls back to its Prescott (SSE3) kernels, 20-30x slower
// than its AVX-512 ones. Opening it ourselves lets us set OPENBLAS_CORETYPE from the CPU
// flags first (only when the user has not set it).

/// The few OpenBLAS entry points we use, resolved once.
struct BLASLibrary: @unchecked Sendable {
    typealias SGemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>, Int32,
        UnsafePointer<Float>, Int32, Float, UnsafeMutablePointer<Float>, Int32) -> Void
    typealias DGemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>, Int32,
        UnsafePointer<Double>, Int32, Double, UnsafeMutablePointer<Double>, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetThreads = @convention(c) () -> Int32
    typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?

    let sgemm: SGemm
    let dgemm: DGemm
    let setThreads: SetThreads?
    let getThreads: GetThreads?
    let coreName: CoreName?

    static let shared: BLASLibrary? = load()

    /// Kernel set for OpenBLAS from the CPU flags: SkylakeX with AVX-512, Haswell with AVX2.
    static func coreTypeForThisCPU() -> String? {
        #if os(Linux) && arch(x86_64)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        #endif
        return nil
    }

    private static func load() -> BLASLibrary? {
        if getenv("OPENBLAS_CORETYPE") == nil, let core = coreTypeForThisCPU() {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        // No idle OpenBLAS pool (see `sgemm`); only when the user has not chosen.
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        #if canImport(Darwin)
        let names = ["libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
                     "/usr/local/opt/openblas/lib/libopenblas.dylib"]
        #else
        let names = ["libopenblas.so.0", "libopenblas.so"]
        #endif
        for name in names {
            guard let h = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else { continue }
            guard let s = dlsym(h, "cblas_sgemm"), let d = dlsym(h, "cblas_dgemm") else { continue }
            // One OpenBLAS thread: the kernel threads split large products (see `sgemm`).
            if let t = dlsym(h, "openblas_set_num_threads") { unsafeBitCast(t, to: SetThreads.self)(1) }
            return BLASLibrary(
                sgemm: unsafeBitCast(s, to: SGemm.self), dgemm: unsafeBitCast(d, to: DGemm.self),
                setThreads: dlsym(h, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) },
                getThreads: dlsym(h, "openblas_get_num_threads").map { unsafeBitCast($0, to: GetThreads.self) },
                coreName: dlsym(h, "openblas_get_corename").map { unsafeBitCast($0, to: CoreName.self) })
        }
        return nil
    }
}

extension BLASLibrary {
    /// Linear-layer products below this many multiply-adds run on the calling thread alone.
    /// With OpenBLAS's own threads (which woke above 262144 multiply-adds) or GCD workers, a
    /// hand-off cost 10 µs or more and the bound was 4M: transformer layers at short sequence
    /// lengths were slower at 2 threads than at 1. With the spinning `KernelPool` it is 1M
    /// (gpt2 / bert at 2 threads 3-6% faster than with 4M; bench/RESULTS.md, spinpool).
    static let singleThreadBelow = 1 << 20

    /// A second operand of this many floats (1 MiB) or more is not small whatever the count of
    /// multiply-adds: a product of one or a few rows by it (a CNN's classifier at batch 1: 1 ×
    /// 1024 by 1024 × 1000, 4 MB, 1M multiply-adds) is bound by reading B from L3 or memory,
    /// ~0.35 ms on one core, and halves on two; the hand-off costs about a microsecond.
    static let singleThreadOperandBelow = 1 << 18

    /// True when a product of this size runs on the calling thread alone (only when there are
    /// several kernel threads to hand work to).
    @inline(__always)
    static func isSmall(_ m: Int, _ n: Int, _ k: Int, threads: Int = kernelThreads) -> Bool {
        guard threads > 1 else { return false }
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (mnk, o2) = mn.multipliedReportingOverflow(by: k)
        let (kn, o3) = k.multipliedReportingOverflow(by: n)
        return !o1 && !o2 && !o3 && mnk < BLASLibrary.singleThreadBelow && kn < BLASLibrary.singleThreadOperandBelow
    }

    /// The width of the column slabs that OpenBLAS (SkylakeX) runs with its small-matrix
    /// kernel, which reads B unpacked (packing B, "itcopy", cost as much as the multiply for
    /// a few rows), or nil when the product runs whole. Both need at most 32 rows:
    /// - B as is (not transposed): B of at most 1 MiB (in cache), more than 1M multiply-adds
    ///   (below, the small kernel runs anyway); slabs of up to 0.9M multiply-adds. gpt2 /
    ///   llama shapes at sequence length 16 (128x512, 512x128, 128x1000): 19-32 µs instead
    ///   of 22-44 µs; with 100 rows or a larger B the slabs were slower.
    /// - B transposed (rows of k contiguous floats): slabs of at most 1200 / m columns and 1M
    ///   multiply-adds (the kernel's own limits), at least 32 wide. BERT-base's 768x3072 and
    ///   768x768 weights: 24-27% faster than the whole product, either layout.
    static func directSlabWidth(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> Int? {
        guard !transA, m > 0, m <= 32, k > 0, n > 0 else { return nil }
        let (kn, o1) = k.multipliedReportingOverflow(by: n)
        guard !o1 else { return nil }
        if transB {
            guard k >= 32 else { return nil }
            let width = min(1200 / m, 1_000_000 / (m * k)) / 16 * 16
            return width >= 32 && width < n ? width : nil
        }
        guard kn <= (1 << 18), m * kn > 1_000_000 else { return nil }
        let limit = 900_000
        let parts = (m * kn + limit - 1) / limit
        let width = ((n + parts - 1) / parts + 15) / 16 * 16
        guard width < n, m * width * k <= 1_000_000 else { return nil }
        return width
    }

    /// How many column slabs to split a product of `m` rows and `n` columns (not small) into,
    /// one per kernel thread, or nil to let `sgemm` split it. With a few rows against a large
    /// B (linear layers at short sequence lengths, memory-bound: each weight is read once for
    /// a few multiply-adds), OpenBLAS 0.3.21's own threads were slower than one thread
    /// (BERT-base shapes 16x768x3072: 21 ms vs 17.5 ms for eight products, load ~1.5), while
    /// one slab of B per thread, each product single-threaded, took 13-16.5 ms.
    static func columnSlabs(m: Int, n: Int, threads: Int = kernelThreads) -> Int? {
        guard threads > 1, m <= 64, n >= 256 * threads else { return nil }
        return threads
    }
}

// CBLAS enum values (cblas.h).
private let cblasRowMajor: Int32 = 101, cblasNoTrans: Int32 = 111, cblasTrans: Int32 = 112

/// Whether a product of m × n × k multiply-adds is worth splitting among kernel threads:
/// below 256K (~5 µs on one core) a hand-off costs more than it saves.
@inline(__always)
func isSplittable(m: Int, n: Int, k: Int) -> Bool {
    let work = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k)
    return work.overflow || work.partialValue >= (1 << 18)
}

/// How a product of `m`×`k` by `k`×`n` is shared among the kernel threads: OpenBLAS itself
/// always runs on one thread (its pool spins after each call and fought our own threads for
/// the cores, see DECISIONS.md), and large products are cut into one block of C rows or
/// columns per kernel thread. Calls `body(rows, cols, a, b, c)` once per block, with the
/// block's corner in A (or Aᵀ), B (or Bᵀ) and C.
@inline(__always)
func forEachGemmBlock<T>(
    m: Int, n: Int, k: Int, threads: Int, transA: Bool, transB: Bool,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int,
    _ body: (Int, Int, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void
) {
    let parts = isSplittable(m: m, n: n, k: k) ? min(threads, max(m, n / 16)) : 1
    forEachBlock(m: m, n: n, parts: parts, byColumns: n >= m) { i0, rows, j0, cols in
        body(rows, cols, transA ? a + i0 : a + i0 * lda, transB ? b + j0 * ldb : b + j0, c + i0 * ldc + j0)
    }
}

/// Cuts C (`m`×`n`) into `parts` blocks run concurrently, of columns (in multiples of 16, a
/// vector register's worth on every kernel set) or of rows, and calls `body(i0, rows, j0,
/// cols)` per block; one call over all of C when `parts` ≤ 1.
@inline(__always)
func forEachBlock(m: Int, n: Int, parts: Int, byColumns: Bool, _ body: (Int, Int, Int, Int) -> Void) {
    if parts <= 1 { body(0, m, 0, n); return }
    if byColumns {
        let per = ((n + parts - 1) / parts + 15) / 16 * 16
        parallelFor(parts, threads: parts) { p in
            let j0 = p * per
            if j0 < n { body(0, m, j0, min(per, n - j0)) }
        }
    } else {
        let per = (m + parts - 1) / parts
        parallelFor(parts, threads: parts) { p in
            let i0 = p * per
            if i0 < m { body(i0, min(per, m - i0), 0, n) }
        }
    }
}

/// Matrix multiply `C = alpha * op(A) * op(B) + beta * C` on row-major float32 matrices,
/// through OpenBLAS (plain loops when OpenBLAS cannot be opened). `op(X)` is X or its transpose.
/// Large products use the kernel threads (`threads`, default all of them; 1 from code that
/// already runs on one of several threads).
/// - Parameters: `m`, `n`, `k`: op(A) is m×k, op(B) is k×n, C is m×n; `lda`, `ldb`, `ldc`
///   are row strides in elements.
/// - Complexity: O(m·n·k).
@inline(__always)
public func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = kernelThreads
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    guard let blas = BLASLibrary.shared else {
        sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    forEachGemmBlock(m: m, n: n, k: k, threads: threads, transA: transA, transB: transB,
                     a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc) { rows, cols, ab, bb, cb in
        blas.sgemm(cblasRowMajor, transA ? cblasTrans : cblasNoTrans, transB ? cblasTrans : cblasNoTrans,
                   Int32(rows), Int32(cols), Int32(k), alpha, ab, Int32(lda), bb, Int32(ldb), beta, cb, Int32(ldc))
    }
}

/// `sgemm` for linear layers (MatMul, Gemm, Attention): the same product, split among the
/// kernel threads by shape (see `BLASLibrary.isSmall`, `columnSlabs`, `directSlabWidth`):
/// small products on the calling thread, a few rows against a large B in one column slab per
/// kernel thread, a few rows in slabs that OpenBLAS runs with its small-matrix kernel, and
/// everything else as `sgemm` splits it. Convolutions call `sgemm`. `threads` (default all)
/// caps the threads; 1 runs the product as a one-thread run would (`splitsBatches`).
@inline(__always)
public func sgemmAdaptive(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = kernelThreads
) {
    guard m > 0, n > 0, k > 0, let blas = BLASLibrary.shared else {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc, threads: threads)
        return
    }
    let ta = transA ? cblasTrans : cblasNoTrans, tb = transB ? cblasTrans : cblasNoTrans
    // Columns j0..<j1 of C (and of op(B)), in the direct slabs of `directSlabWidth` when it
    // gives some: OpenBLAS runs those with its small-matrix kernel, which reads B unpacked.
    let columns = { (j0: Int, j1: Int) in
        let width = BLASLibrary.directSlabWidth(m: m, n: j1 - j0, k: k, transA: transA, transB: transB) ?? (j1 - j0)
        var j = j0
        while j < j1 {
            let w = min(width, j1 - j)
            blas.sgemm(cblasRowMajor, ta, tb, Int32(m), Int32(w), Int32(k), alpha, a, Int32(lda),
                       transB ? b + j * ldb : b + j, Int32(ldb), beta, c + j, Int32(ldc))
            j += w
        }
    }
    let small = BLASLibrary.isSmall(m, n, k, threads: threads)
    if !small, let parts = BLASLibrary.columnSlabs(m: m, n: n, threads: threads) {
        // A few rows against a large B: each thread takes a slab of the columns.
        forEachBlock(m: m, n: n, parts: parts, byColumns: true) { _, _, j0, cols in columns(j0, j0 + cols) }
    } else if small || BLASLibrary.directSlabWidth(m: m, n: n, k: k, transA: transA, transB: transB) != nil {
        columns(0, n)
    } else {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc, threads: threads)
    }
}

/// Whether a batch of `count` products of m × k by k × n is run one product per kernel thread
/// at a time (each on one thread, `sgemmAdaptive(threads: 1)`) rather than one product after
/// another, each split among the threads. Attention's per-head products (ViT-B/16: 12 of
/// 197 × 64 × 197) split badly: C's 197 columns cut into 112 + 85, or rows into 99 + 98 with
/// k = 64, and a hand-off per product. The heads share out evenly instead, and each product's
/// bits are those of a one-thread run. Needs at least one product per thread, an even share
/// (a multiple of the threads, or 4 per thread or more) and, in all, a product worth splitting
/// (`isSplittable`: 256K multiply-adds).
public func splitsBatches(count: Int, m: Int, n: Int, k: Int, threads: Int = kernelThreads) -> Bool {
    guard threads > 1, count >= threads, count % threads == 0 || count >= 4 * threads else { return false }
    let (rows, overflow) = count.multipliedReportingOverflow(by: m)
    return overflow || isSplittable(m: rows, n: n, k: k)
}

/// Double-precision variant of `sgemm`.
@inline(__always)
public func dgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int, threads: Int = kernelThreads
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    guard let blas = BLASLibrary.shared else {
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j])
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
        return
    }
    forEachGemmBlock(m: m, n: n, k: k, threads: threads, transA: transA, transB: transB,
                     a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc) { rows, cols, ab, bb, cb in
        blas.dgemm(cblasRowMajor, transA ? cblasTrans : cblasNoTrans, transB ? cblasTrans : cblasNoTrans,
                   Int32(rows), Int32(cols), Int32(k), alpha, ab, Int32(lda), bb, Int32(ldb), beta, cb, Int32(ldc))
    }
}

/// The plain triple loop that `sgemm` replaces; tests check the BLAS path against it.
public func sgemmReference(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var s: Float = 0
            for p in 0..<k {
                let x = transA ? a[p * lda + i] : a[i * lda + p]
                let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += x * y
            }
            c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}

/// Sets the number of kernel threads (once, at start-up): the elementwise kernels' and the
/// matrix products' (split by `sgemm` itself; OpenBLAS stays on one thread).
public func setBLASThreads(_ n: Int) {
    kernelThreads = max(1, n)
    BLASLibrary.shared?.setThreads?(1)
}

/// The OpenBLAS kernel set in use ("SkylakeX", "Haswell", ...), or "none" without OpenBLAS.
public func blasCoreName() -> String {
    guard let blas = BLASLibrary.shared else { return "none" }
    guard let f = blas.coreName, let p = f() else { return "unknown" }
    return String(cString: p)
}
