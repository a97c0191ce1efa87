@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MatMulTests {
    /// Plain loop matmul with numpy batch broadcasting (A and B of rank >= 2).
    func reference(_ a: [Float], _ sa: [Int], _ b: [Float], _ sb: [Int]) throws -> Tensor {
        let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
        let batch = try broadcastShapes([Array(sa.dropLast(2)), Array(sb.dropLast(2))])
        let stA = broadcastStrides(Array(sa.dropLast(2)), to: batch), stB = broadcastStrides(Array(sb.dropLast(2)), to: batch)
        var out = [Float](repeating: 0, count: batch.reduce(1, *) * m * n)
        forEachBroadcast(batch, [stA, stB]) { bi, off in
            for i in 0..<m { for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[off[0] * m * k + i * k + p] * b[off[1] * k * n + p * n + j] }
                out[bi * m * n + i * n + j] = s
            } }
        }
        return try f32(batch + [m, n], out)
    }

    /// The folded single-gemm path ([batch, m, k] @ [k, n]) and the per-batch path.
    @Test(arguments: [([2, 3, 4], [4, 5]), ([2, 2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([1, 3, 4], [3, 4, 5]), ([3, 4], [2, 4, 5])])
    func batchedMatchesPlainLoop(sa: [Int], sb: [Int]) throws {
        let a = (0..<sa.reduce(1, *)).map { Float(($0 * 7) % 11) - 5 }
        let b = (0..<sb.reduce(1, *)).map { Float(($0 * 3) % 7) - 3 }
        let y = try runNode("MatMul", [try f32(sa, a), try f32(sb, b)])[0]
        #expect(isClose(y, try reference(a, sa, b, sb)))
    }

    @Test func foldsOnlyWhenBIsShared() {
        #expect(MatMul.foldsBatch(offA: [0, 1, 2], offB: [0, 0, 0]))
        #expect(!MatMul.foldsBatch(offA: [0, 1], offB: [0, 1]))
        #expect(!MatMul.foldsBatch(offA: [0, 0], offB: [0, 1]))
    }

    /// Which batches of products share out whole among the threads (`splitsBatches`).
    @Test func batchSplitRule() {
        #expect(splitsBatches(count: 12, m: 197, n: 197, k: 64, threads: 2))   // ViT-B/16's heads
        #expect(splitsBatches(count: 12, m: 64, n: 64, k: 64, threads: 2))     // BERT's at sequence 64
        #expect(splitsBatches(count: 9, m: 64, n: 64, k: 64, threads: 2))      // uneven, but 4 per thread
        #expect(!splitsBatches(count: 3, m: 512, n: 512, k: 512, threads: 2))  // 2 + 1: each product splits
        #expect(!splitsBatches(count: 1, m: 512, n: 512, k: 512, threads: 2))
        #expect(!splitsBatches(count: 12, m: 197, n: 197, k: 64, threads: 1))
        #expect(!splitsBatches(count: 12, m: 8, n: 8, k: 8, threads: 2))       // 6K multiply-adds in all
    }

    /// Heads shared among two threads: every product has the bits of a one-thread product of
    /// its own operands, and matches the plain loop; also with B broadcast over A's outer axis.
    @Test(arguments: [([12, 50, 40], [12, 40, 60]), ([3, 4, 33, 40], [4, 40, 70]), ([9, 64, 64], [9, 64, 64])])
    func batchesSharedAmongThreadsKeepOneThreadBits(sa: [Int], sb: [Int]) throws {
        let a = (0..<sa.reduce(1, *)).map { Float(($0 * 7919) % 1000) * 0.001 - 0.5 }
        let b = (0..<sb.reduce(1, *)).map { Float(($0 * 104729) % 1000) * 0.001 - 0.5 }
        let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
        let saved = kernelThreads
        defer { kernelThreads = saved }
        kernelThreads = 2
        let nb = sa.dropLast(2).reduce(1, *)
        #expect(splitsBatches(count: nb, m: m, n: n, k: k))
        let y = try runNode("MatMul", [try f32(sa, a), try f32(sb, b)])[0]
        #expect(isClose(y, try reference(a, sa, b, sb)))
        // Each product alone, on one thread.
        let bCount = sb.dropLast(2).reduce(1, *)
        var want = [Float](repeating: 0, count: nb * m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                want.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<nb {
                        sgemmAdaptive(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                      a: pa.baseAddress! + i * m * k, lda: k, b: pb.baseAddress! + (i % bCount) * k * n, ldb: n,
                                      beta: 0, c: pc.baseAddress! + i * m * n, ldc: n, threads: 1)
                    }
                }
            }
        }
        #expect(try y.scalars(of: Float.self).map(\.bitPattern) == want.map(\.bitPattern))
    }

    /// Gemm's C filled directly (scalar, row, column, full matrix) equals C broadcast by the
    /// general path, with alpha/beta and transposes; other C shapes still broadcast or fail.
    @Test func gemmBiasShapes() throws {
        let m = 3, k = 4, n = 5
        let a = (0..<(m * k)).map { Float(($0 * 7) % 11) - 5 }, b = (0..<(k * n)).map { Float(($0 * 3) % 7) - 3 }
        let ab = try reference(a, [m, k], b, [k, n]).scalars(of: Float.self)
        let cases: [([Int], [Float])] = [
            ([], [1.5]), ([1], [2]), ([n], [1, 2, 3, 4, 5]), ([1, n], [5, 4, 3, 2, 1]), ([m, 1], [7, 8, 9]),
            ([m, n], (0..<(m * n)).map { Float($0) * 0.5 }), ([1, 1], [-1]),
        ]
        for (cs, cv) in cases {
            let c = try f32(cs, cv)
            let expected = try c.broadcast(to: [m, n]).scalars(of: Float.self)
            let at = try Tensor(shape: [k, m], scalars: (0..<(m * k)).map { a[($0 % m) * k + $0 / m] })
            let y = try runNode("Gemm", [at, try f32([k, n], b), c],
                                attributes: [Attribute(name: "alpha", value: .float(2)), Attribute(name: "beta", value: .float(0.5)),
                                             Attribute(name: "transA", value: .int(1))])[0]
            #expect(y.shape == [m, n])
            let want = (0..<(m * n)).map { 2 * ab[$0] + 0.5 * expected[$0] }
            #expect(isClose(y, try f32([m, n], want)), "C \(cs)")
        }
        #expect(try Gemm.filledC(try f32([2, n], [Float](repeating: 1, count: 2 * n)), m: m, n: n) == nil)
        #expect(throws: (any Error).self) { try runNode("Gemm", [try f32([m, k], a), try f32([k, n], b), try f32([2], [1, 2])]) }
    }
}

