@testable import SurgeonTensor
import CPackedGemm
import Testing
import Foundation

/// The packed-weight product (`PackedMatrix`, `sgemmPacked`) against the plain triple loop, at
/// every kernel level this CPU runs (AVX-512F, AVX2 + FMA, plain C): odd sizes (k across the
/// 256-row blocks, n across the 32-column panels and 1024-column cache blocks, m across the
/// 12 / 6 / 4-row register tiles), B stored as is and transposed, row strides larger than
/// the matrix, overwrite and accumulate, one and several threads, and the per-block epilogue.
@Suite struct PackedGemmTests {
    static func random(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int((s >> 33) % 2001) - 1000) / 1000
        }
    }

    /// Runs one product on every level and thread count; returns the worst error seen.
    static func check(m: Int, n: Int, k: Int, transposed: Bool, accumulate: Bool, pad: Int = 0) throws {
        let lda = k + pad, ldc = n + pad, ldb = (transposed ? k : n) + pad
        let a = random(m * lda, seed: UInt64(m * 31 + k))
        let b = random((transposed ? n : k) * ldb, seed: UInt64(n * 17 + k))
        let c0 = random(m * ldc, seed: 5)
        var want = c0
        sgemmReference(transA: false, transB: transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                       beta: accumulate ? 1 : 0, c: &want, ldc: ldc)
        let packed = try b.withUnsafeBufferPointer { pb in
            try PackedMatrix(try #require(pb.baseAddress), ldb: ldb, transposed: transposed, k: k, n: n)
        }
        for level in 0...PackedMatrix.level {
            for threads in [1, 3] {
                var c = c0
                let ok = a.withUnsafeBufferPointer { pa in
                    c.withUnsafeMutableBufferPointer { pc in
                        sgemmPacked(m: m, a: pa.baseAddress!, lda: lda, b: packed, c: pc.baseAddress!, ldc: ldc,
                                    accumulate: accumulate, threads: threads, level: level)
                    }
                }
                #expect(ok)
                var worst: Float = 0
                for i in 0..<m {
                    for j in 0..<ldc {
                        let d = abs(c[i * ldc + j] - want[i * ldc + j])
                        // Past column n (the row padding) nothing is written.
                        if j >= n { #expect(c[i * ldc + j] == c0[i * ldc + j]) }
                        worst = max(worst, d)
                    }
                }
                #expect(worst <= 1e-5 * Float(k) + 1e-6,
                        "\(m)x\(n)x\(k) T\(transposed) acc \(accumulate) level \(level) threads \(threads): off by \(worst)")
            }
        }
    }

    @Test(arguments: [false, true])
    func oddSizesMatchThePlainLoop(transposed: Bool) throws {
        for (m, n, k) in [(1, 1, 1), (5, 7, 3), (13, 33, 31), (12, 32, 256), (37, 65, 257), (25, 100, 600), (100, 31, 40)] {
            try Self.check(m: m, n: n, k: k, transposed: transposed, accumulate: false)
            try Self.check(m: m, n: n, k: k, transposed: transposed, accumulate: true, pad: 3)
        }
    }

    /// Tiles of at most 4 rows (AVX-512 runs them two panels at a time) give the bits the same
    /// rows get in a full 12-row tile: every sum adds the same products in the same order.
    @Test func fewRowTilesGiveTheBitsOfFullTiles() throws {
        for (n, k) in [(33, 64), (64, 7), (100, 300), (256, 64), (1100, 20)] {
            let b = Self.random(k * n, seed: UInt64(n + k))
            let packed = try b.withUnsafeBufferPointer { pb in
                try PackedMatrix(try #require(pb.baseAddress), ldb: k, transposed: true, k: k, n: n)
            }
            let a = Self.random(12 * k, seed: UInt64(k))
            for level in 0...PackedMatrix.level {
                for accumulate in [false, true] {
                    let c0 = Self.random(12 * n, seed: 9)
                    func product(_ m: Int) -> [Float] {
                        var c = Array(c0[0..<(m * n)])
                        a.withUnsafeBufferPointer { pa in
                            c.withUnsafeMutableBufferPointer { pc in
                                _ = sgemmPacked(m: m, a: pa.baseAddress!, lda: k, b: packed, c: pc.baseAddress!, ldc: n,
                                                accumulate: accumulate, threads: 1, level: level)
                            }
                        }
                        return c
                    }
                    let full = product(12)
                    for m in 1...4 {
                        #expect(product(m).map(\.bitPattern) == full[0..<(m * n)].map(\.bitPattern),
                                "\(m)x\(n)x\(k) level \(level) acc \(accumulate)")
                    }
                }
            }
        }
    }

    /// Shapes large enough to split among the threads: by column panels (wide) and by rows (narrow),
    /// and n past one 1024-column cache block.
    @Test func splitProductsMatchThePlainLoop() throws {
        for (m, n, k) in [(197, 300, 70), (301, 40, 96), (30, 1100, 20)] {
            try Self.check(m: m, n: n, k: k, transposed: false, accumulate: false)
            try Self.check(m: m, n: n, k: k, transposed: true, accumulate: true, pad: 1)
        }
    }

    /// The epilogue sees every element of C exactly once, after its product, in blocks of at
    /// most 12 rows and 1024 columns, with its column offset (k past one 256-row block, n past
    /// one 1024-column block).
    @Test func epilogueCoversEveryBlockOnce() throws {
        for (m, n, k, threads) in [(197, 300, 70, 1), (197, 300, 300, 2), (301, 40, 96, 3), (5, 33, 8, 2), (30, 1100, 600, 1), (26, 2100, 20, 2)] {
            let a = Self.random(m * k, seed: 9), b = Self.random(k * n, seed: 10)
            var want = [Float](repeating: 0, count: m * n)
            sgemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                           beta: 0, c: &want, ldc: n)
            let packed = try b.withUnsafeBufferPointer { try PackedMatrix($0.baseAddress!, ldb: n, transposed: false, k: k, n: n) }
            var c = [Float](repeating: .nan, count: m * n)
            var visits = [Int](repeating: 0, count: m * n)
            let ok = a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { pc in
                    visits.withUnsafeMutableBufferPointer { pv in
                        let base = pc.baseAddress!, vb = pv.baseAddress!
                        return sgemmPacked(m: m, a: pa.baseAddress!, lda: k, b: packed, c: base, ldc: n, threads: threads) { p, rows, j0, cols in
                            #expect(rows <= 12 && cols <= 1024)
                            let off = p - base
                            #expect(off % n == j0)
                            for r in 0..<rows {
                                for j in 0..<cols {
                                    p[r * n + j] = p[r * n + j] * 2 + Float(j0 + j)
                                    vb[off + r * n + j] += 1
                                }
                            }
                        }
                    }
                }
            }
            #expect(ok)
            #expect(visits.allSatisfy { $0 == 1 }, "\(m)x\(n)x\(k) threads \(threads)")
            let worst: Float = (0..<(m * n)).map { (i: Int) -> Float in abs(c[i] - (want[i] * 2 + Float(i % n))) }.max() ?? 0
            #expect(worst <= 2e-5 * Float(k), "\(m)x\(n)x\(k) threads \(threads): off by \(worst)")
        }
    }

    /// B packed per call (`packB`, a row stride past n) and a value per row of C that the
    /// products add to: the same bits as C filled with it and accumulated, at every level
    /// and thread count; ignored when accumulating.
    @Test func rowBiasAndPackBMatchFilledC() throws {
        for (m, n, k) in [(1, 1, 1), (13, 33, 31), (25, 49, 600), (64, 300, 70), (7, 1100, 9)] {
            let ldb = n + 2
            let a = Self.random(m * k, seed: UInt64(m + k)), b = Self.random(k * ldb, seed: UInt64(n))
            let bias = Self.random(m, seed: 77)
            var packed = [Float](repeating: .nan, count: packedCount(k: k, n: n))
            let ok = b.withUnsafeBufferPointer { pb in packed.withUnsafeMutableBufferPointer { packB(pb.baseAddress!, ldb: ldb, k: k, n: n, into: $0.baseAddress!) } }
            #expect(ok)
            var want = [Float](repeating: 0, count: m * n)
            sgemmReference(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: ldb,
                           beta: 0, c: &want, ldc: n)
            for level in 0...PackedMatrix.level {
                for threads in [1, 2] {
                    func product(_ c: inout [Float], bias: [Float]?, accumulate: Bool) {
                        a.withUnsafeBufferPointer { pa in
                            packed.withUnsafeBufferPointer { pp in
                                c.withUnsafeMutableBufferPointer { pc in
                                    withOptionalBias(bias) { pbias in
                                        #expect(sgemmPacked(m: m, a: pa.baseAddress!, lda: k, packed: pp.baseAddress!, k: k, n: n,
                                                            c: pc.baseAddress!, ldc: n, accumulate: accumulate, rowBias: pbias,
                                                            threads: threads, level: level))
                                    }
                                }
                            }
                        }
                    }
                    var filled = (0..<(m * n)).map { bias[$0 / n] }
                    product(&filled, bias: nil, accumulate: true)
                    var withBias = [Float](repeating: .nan, count: m * n)
                    product(&withBias, bias: bias, accumulate: false)
                    #expect(withBias == filled, "\(m)x\(n)x\(k) level \(level) threads \(threads)")
                    let worst = (0..<(m * n)).map { abs(withBias[$0] - bias[$0 / n] - want[$0]) }.max() ?? 0
                    #expect(worst <= 1e-5 * Float(k) + 1e-6)
                    // Accumulating: the bias is not added again.
                    var again = filled
                    product(&again, bias: bias, accumulate: true)
                    let twice = (0..<(m * n)).map { abs(again[$0] - filled[$0] - want[$0]) }.max() ?? 0
                    #expect(twice <= 2e-5 * Float(k) + 1e-5)
                }
            }
        }
    }

    /// Few rows (more than one register tile, at most 240) run panel-outer: each panel of B
    /// through every register tile of A. That order gives the bits of the tile-outer one at
    /// every level, with and without the row bias, accumulating or not, on column ranges that
    /// start past 0 and cross the 1024-column blocks and 256-row K blocks, with the epilogue.
    @Test func panelOuterOrderGivesTheBitsOfTileOuter() throws {
        for (m, n, k) in [(13, 33, 7), (25, 100, 300), (49, 1100, 600), (64, 77, 256), (240, 65, 40), (5, 40, 10)] {
            let a = Self.random(m * k, seed: UInt64(m * 3 + k)), b = Self.random(k * n, seed: UInt64(n + 2 * k))
            let bias = Self.random(m, seed: 78), c0 = Self.random(m * n, seed: 79)
            var packed = [Float](repeating: .nan, count: packedCount(k: k, n: n))
            let packedOK = b.withUnsafeBufferPointer { pb in packed.withUnsafeMutableBufferPointer { packB(pb.baseAddress!, ldb: n, k: k, n: n, into: $0.baseAddress!) } }
            #expect(packedOK)
            // Each element of C once: c * 2 + its column (context: C's row stride).
            let epilogue: sp_gemm_epilogue = { context, p, rows, j0, cols in
                guard let context, let p else { return }
                let ldc = Int(context.load(as: Int32.self))
                for r in 0..<Int(rows) {
                    for j in 0..<Int(cols) { p[r * ldc + j] = p[r * ldc + j] * 2 + Float(Int(j0) + j) }
                }
            }
            for level in 0...PackedMatrix.level {
                for accumulate in [false, true] {
                    for useBias in [false, true] {
                        for j0 in [0, 32] where j0 < n {
                            func product(order: Int32) -> [Float] {
                                var c = c0
                                var ldc = Int32(n)
                                a.withUnsafeBufferPointer { pa in
                                    packed.withUnsafeBufferPointer { pp in
                                        bias.withUnsafeBufferPointer { pbias in
                                            c.withUnsafeMutableBufferPointer { pc in
                                                _ = sp_gemm_packed_order(Int32(level), Int32(m), Int32(n), Int32(k), pa.baseAddress, Int32(k),
                                                                         pp.baseAddress, pc.baseAddress, Int32(n), Int32(j0), Int32(n),
                                                                         accumulate ? 1 : 0, useBias ? pbias.baseAddress : nil,
                                                                         epilogue, &ldc, order)
                                            }
                                        }
                                    }
                                }
                                return c
                            }
                            let tileOuter = product(order: 1), panelOuter = product(order: 2)
                            #expect(tileOuter == panelOuter, "\(m)x\(n)x\(k) level \(level) acc \(accumulate) bias \(useBias) j0 \(j0)")
                            #expect(product(order: 0) == tileOuter)
                            // Columns before j0 untouched.
                            #expect((0..<m).allSatisfy { i in (0..<j0).allSatisfy { tileOuter[i * n + $0] == c0[i * n + $0] } })
                        }
                    }
                }
            }
        }
    }

    func withOptionalBias(_ bias: [Float]?, _ body: (UnsafePointer<Float>?) -> Void) {
        guard let bias else { return body(nil) }
        bias.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    @Test func badSizesAreRefused() throws {
        let b = [Float](repeating: 1, count: 12)
        try b.withUnsafeBufferPointer { pb in
            #expect(throws: (any Error).self) { try PackedMatrix(pb.baseAddress!, ldb: 2, transposed: false, k: 4, n: 3) }
            #expect(throws: (any Error).self) { try PackedMatrix(pb.baseAddress!, ldb: 3, transposed: false, k: 0, n: 3) }
            let p = try PackedMatrix(pb.baseAddress!, ldb: 3, transposed: false, k: 4, n: 3)
            var c = [Float](repeating: 0, count: 6)
            let a = [Float](repeating: 1, count: 8)
            // lda shorter than k: refused, C untouched.
            let ok = a.withUnsafeBufferPointer { pa in
                c.withUnsafeMutableBufferPointer { sgemmPacked(m: 2, a: pa.baseAddress!, lda: 3, b: p, c: $0.baseAddress!, ldc: 3) }
            }
            #expect(!ok)
            #expect(c == [Float](repeating: 0, count: 6))
        }
    }

    /// Packing in pieces (`packed` told each range of B as it is done, so a mapped weight's
    /// pages can leave at once) gives the same packed floats, and the ranges cover B's stored
    /// rows once, in order: B and Bᵀ, sizes across several pieces with ragged ends.
    @Test(arguments: [false, true])
    func packingInPiecesGivesTheSameFloats(transposed: Bool) throws {
        let k = 700, n = 1100
        let ldb = transposed ? k + 3 : n + 5
        let rows = transposed ? n : k
        var s: UInt32 = 3
        let b = (0..<(rows * ldb)).map { _ -> Float in s = s &* 1664525 &+ 1013904223; return Float(s >> 8) / Float(1 << 24) }
        try b.withUnsafeBufferPointer { pb in
            let base = try #require(pb.baseAddress)
            let whole = try PackedMatrix(base, ldb: ldb, transposed: transposed, k: k, n: n)
            // The pieces may be packed on several threads, in any order.
            let lock = NSLock()
            var ranges: [(Int, Int)] = []
            let pieces = try PackedMatrix(base, ldb: ldb, transposed: transposed, k: k, n: n) { offset, count in
                lock.lock()
                ranges.append((offset, count))
                lock.unlock()
            }
            #expect(ranges.count > 1)
            var next = 0
            for (offset, count) in ranges.sorted(by: { $0.0 < $1.0 }) {
                #expect(offset == next && count > 0)
                next = offset + count
            }
            #expect(next == rows * ldb * 4)
            let a = try whole.storage.scalars(of: Float.self), c = try pieces.storage.scalars(of: Float.self)
            #expect(a.count == c.count && a == c)
        }
    }
}
