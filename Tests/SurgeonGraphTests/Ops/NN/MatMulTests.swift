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
}
