@testable import SurgeonTensor
import Testing

@Suite struct GemmTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func blasMatchesReference(transA: Bool, transB: Bool) throws {
        let m = 7, n = 5, k = 9
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        let c0 = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        var c1 = c0, c2 = c0
        let lda = transA ? m : k, ldb = transB ? k : n
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c1, ldc: n)
        sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c2, ldc: n)
        for i in 0..<(m * n) { #expect(abs(c1[i] - c2[i]) < 1e-4) }
        var c3 = c0
        sgemmAdaptive(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &c3, ldc: n)
        for i in 0..<(m * n) { #expect(abs(c3[i] - c2[i]) < 1e-4) }
    }

    /// Large products are cut into row or column blocks, one per thread: each block shape
    /// and transpose against the plain loop.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitProductsMatchReference(transA: Bool, transB: Bool) throws {
        for (m, n, k) in [(37, 301, 100), (290, 41, 90), (5, 1000, 260)] {
            var rng = SystemRandomNumberGenerator()
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            let c0 = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &rng) }
            var c1 = c0, c2 = c0
            let lda = transA ? m : k, ldb = transB ? k : n
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                  beta: 1, c: &c1, ldc: n, threads: 3)
            sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b,
                           ldb: ldb, beta: 1, c: &c2, ldc: n)
            let worst = zip(c1, c2).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-3, "\(m)x\(n)x\(k): off by \(worst)")
            let ad = a.map(Double.init), bd = b.map(Double.init)
            var d1 = [Double](repeating: 0, count: m * n)
            dgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: ad, lda: lda, b: bd, ldb: ldb,
                  beta: 0, c: &d1, ldc: n, threads: 3)
            var c3 = [Float](repeating: 0, count: m * n)
            sgemmReference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b,
                           ldb: ldb, beta: 0, c: &c3, ldc: n)
            let worstD = zip(d1, c3).map { abs($0 - Double($1)) }.max() ?? 0
            #expect(worstD < 1e-3, "dgemm \(m)x\(n)x\(k): off by \(worstD)")
        }
    }

    /// OpenBLAS is opened at run time; on this machine's x86-64 it must be found and use a
    /// vector kernel set, not the SSE3 fallback, and a large product must still match.
    @Test func blasIsLoadedWithVectorKernels() {
        let core = blasCoreName()
        #expect(core != "none")
        #if os(Linux) && arch(x86_64)
        if BLASLibrary.coreTypeForThisCPU() != nil { #expect(core.lowercased() != "prescott") }
        #endif
        let m = 33, n = 70, k = 129
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        var c1 = [Float](repeating: 0, count: m * n), c2 = c1
        sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c1, ldc: n)
        sgemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c2, ldc: n)
        #expect(c1 == c2)
    }
}

@Suite struct BLASThreadingTests {
    /// Small products run on the calling thread when there are several kernel threads; OpenBLAS
    /// itself stays at one thread whatever `--threads` says (the kernel threads split products);
    /// results are those of the reference loop either way.
    @Test func smallProductsRunSingleThreaded() throws {
        guard let blas = BLASLibrary.shared else { return }
        #expect(BLASLibrary.isSmall(16, 128, 256, threads: 2))
        #expect(!BLASLibrary.isSmall(16, 128, 512, threads: 2))  // 1M multiply-adds: split
        #expect(!BLASLibrary.isSmall(16, 768, 3072, threads: 2))
        #expect(!BLASLibrary.isSmall(Int.max / 2, 3, 1, threads: 2))
        #expect(!BLASLibrary.isSmall(16, 128, 256, threads: 1))
        // A classifier at batch 1: few multiply-adds, but a B of 4 MB to read: split.
        #expect(!BLASLibrary.isSmall(1, 1000, 1024, threads: 2))
        #expect(!BLASLibrary.isSmall(1, 1024, 256, threads: 2))
        #expect(BLASLibrary.isSmall(1, 512, 256, threads: 2))
        let saved = kernelThreads
        setBLASThreads(2)
        defer { setBLASThreads(saved) }
        if let get = blas.getThreads { #expect(get() == 1) }

        let m = 16, n = 40, k = 24
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }, b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        var c1 = [Float](repeating: 0, count: m * n), c2 = c1
        sgemmAdaptive(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c1, ldc: n)
        sgemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c2, ldc: n)
        #expect(c1 == c2)

        // One row against a B of 1M floats, either layout: split into column slabs, same values.
        for transB in [false, true] {
            let n1 = 1000, k1 = 1024
            let a1 = (0..<k1).map { Float(($0 * 7) % 13) - 6 }, b1 = (0..<(k1 * n1)).map { Float(($0 * 5) % 11) - 5 }
            var d1 = [Float](repeating: 0, count: n1), d2 = d1
            let ldb1 = transB ? k1 : n1
            sgemmAdaptive(transA: false, transB: transB, m: 1, n: n1, k: k1, alpha: 1, a: a1, lda: k1, b: b1, ldb: ldb1, beta: 0, c: &d1, ldc: n1)
            sgemmReference(transA: false, transB: transB, m: 1, n: n1, k: k1, alpha: 1, a: a1, lda: k1, b: b1, ldb: ldb1, beta: 0, c: &d2, ldc: n1)
            #expect(d1 == d2)
        }
    }
}

extension BLASThreadingTests {
    /// Few rows against a large B are split into column slabs (one per thread), with B
    /// transposed or not and a C with a wider row stride; each slab is a plain product.
    @Test(arguments: [false, true])
    func columnSlabsMatchReference(transB: Bool) throws {
        guard BLASLibrary.shared != nil else { return }
        let savedKernel = kernelThreads
        kernelThreads = 2
        defer {
            kernelThreads = savedKernel
        }
        #expect(BLASLibrary.columnSlabs(m: 16, n: 1003) == 2)
        #expect(BLASLibrary.columnSlabs(m: 65, n: 1003) == nil)
        #expect(BLASLibrary.columnSlabs(m: 16, n: 300) == nil)
        let m = 16, n = 1003, k = 300, ldc = n + 5
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        let ldb = transB ? k : n
        var c1 = [Float](repeating: 1, count: m * ldc), c2 = c1
        sgemmAdaptive(transA: false, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: ldb, beta: 0.5, c: &c1, ldc: ldc)
        sgemmReference(transA: false, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: ldb, beta: 0.5, c: &c2, ldc: ldc)
        #expect(c1 == c2)
    }
}

extension BLASThreadingTests {
    /// Few rows against a B that fits in cache run in slabs of at most 1M multiply-adds;
    /// transposes, more rows, big B and small products run whole. Results equal the loop's.
    @Test func directSlabsMatchReference() throws {
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 512, k: 128, transA: false, transB: false) == 256)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 128, k: 512, transA: false, transB: false) == 64)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 1000, k: 128, transA: false, transB: false) == 336)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 384, k: 128, transA: false, transB: false) == nil)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 768, k: 768, transA: false, transB: false) == nil)
        #expect(BLASLibrary.directSlabWidth(m: 100, n: 512, k: 128, transA: false, transB: false) == nil)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 512, k: 128, transA: true, transB: false) == nil)
        // transposed B: at most 1200 / m columns and 1M multiply-adds, at least 32 wide
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 3072, k: 768, transA: false, transB: true) == 64)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 768, k: 3072, transA: false, transB: true) == nil)
        #expect(BLASLibrary.directSlabWidth(m: 16, n: 60, k: 768, transA: false, transB: true) == nil)
        #expect(BLASLibrary.directSlabWidth(m: 40, n: 3072, k: 768, transA: false, transB: true) == nil)
        let m = 16, n = 1000, k = 128, ldc = n + 3
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        var c1 = [Float](repeating: 2, count: m * ldc), c2 = c1
        sgemmAdaptive(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 1, c: &c1, ldc: ldc)
        sgemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 1, c: &c2, ldc: ldc)
        #expect(c1 == c2)
        // the same product with B transposed (n x k) runs in slabs of 64 rows of B
        let bt = (0..<(n * k)).map { b[($0 % k) * n + $0 / k] }
        var c3 = [Float](repeating: 2, count: m * ldc)
        sgemmAdaptive(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: bt, ldb: k, beta: 1, c: &c3, ldc: ldc)
        #expect(c3 == c2)
    }
}

@Suite struct AllocatorTests {
    /// glibc is told to keep freed tensor blocks (mallopt found and applied once).
    @Test func allocatorIsTunedOnLinux() throws {
        _ = try Tensor(zeros: .float32, shape: [4])
        #if os(Linux)
        #expect(allocatorTuned)
        #endif
    }

    /// Small buffers (malloc blocks 64 bytes longer) and arena ones start on a 64-byte
    /// boundary, hold their bytes (written to the last one, zeroed when asked) and are freed
    /// without harm, many times over: what the kernels' vector loads and the budget rely on.
    @Test func buffersAre64ByteAlignedAndWritable() throws {
        for round in 0..<50 {
            for count in [0, 1, 3, 15, 16, 17, 63, 64, 65, 1000, 4096, 65535, 65536, 70000] {
                let zeroed = TensorBuffer(zeroedByteCount: count)
                let raw = TensorBuffer(uninitializedByteCount: count)
                for b in [zeroed, raw] {
                    #expect(Int(bitPattern: b.pointer) % 64 == 0, "\(count) bytes")
                    #expect(b.byteCount == count)
                }
                if count > 0 {
                    #expect(zeroed.pointer.load(fromByteOffset: count - 1, as: UInt8.self) == 0)
                    #expect(zeroed.pointer.load(as: UInt8.self) == 0)
                    raw.pointer.storeBytes(of: UInt8(truncatingIfNeeded: round), toByteOffset: count - 1, as: UInt8.self)
                    raw.pointer.storeBytes(of: 7, as: UInt8.self)
                    #expect(raw.pointer.load(fromByteOffset: count - 1, as: UInt8.self) == (count == 1 ? 7 : UInt8(truncatingIfNeeded: round)))
                }
            }
        }
    }
}

@Suite struct Float32CopyTests {
    /// A float16 tensor's float32 copy is made once per buffer and equals `cast`.
    @Test func float16CopyIsKeptAndExact() throws {
        let h = try Tensor(floats: [0.5, -2, 3.25, 1e-3, 65504], shape: [5], dtype: .float16)
        let a = try h.float32Copy(), b = try h.float32Copy()
        #expect(a.buffer === b.buffer)
        #expect(try a.scalars(of: Float.self) == h.cast(to: .float32).scalars(of: Float.self))
        let f = try Tensor(floats: [1, 2], shape: [2], dtype: .float32)
        #expect(try f.float32Copy().scalars(of: Float.self) == [1, 2])
    }
}
