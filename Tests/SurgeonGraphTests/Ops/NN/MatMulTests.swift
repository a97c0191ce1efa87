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

