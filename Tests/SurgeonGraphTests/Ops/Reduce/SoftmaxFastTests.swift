import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Softmax's float32 row primitives on the C exp kernels (`VectorExp`, at every level this CPU
/// runs) against the Swift SIMD8 `simdExp` loops they replace (`rowMaxSwift`,
/// `expShiftSumSwift`, `expSubSwift`): exp within 2 ulp of the Swift one (the same Cephes
/// polynomial; fused multiply-adds round differently), max identical, sums and softmax rows
/// within 2e-6 relative; rows of every length 1...70 and longer ones, values from -100 to 30
/// around the shift (so some fall below -87.33654 and give 0 on both paths).
@Suite struct SoftmaxFastTests {
    static func random(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int((s >> 33) % 130001) - 100000) / 1000
        }
    }

    /// ulp distance; results both below the normal range count as equal: the Swift path's
    /// scalar tail (libm expf) gives denormals there where the vector paths give 0.
    static func ulps(_ a: Float, _ b: Float) -> Int {
        if a == b || max(a, b) < Float.leastNormalMagnitude { return 0 }
        guard a >= 0, b >= 0, a.isFinite, b.isFinite else { return Int.max }
        return abs(Int(a.bitPattern) - Int(b.bitPattern))
    }

    @Test func matchesSwiftPath() {
        for n in Array(1...70) + [197, 768, 1001] {
            let x = Self.random(n, seed: UInt64(n) + 77)
            let shift: Float = 0.25
            var want = [Float](repeating: 0, count: n)
            let wantSum = Float.expShiftSumSwift(x, &want, n, shift)
            let wantMax = Float.rowMaxSwift(x, n)
            var wantSub = [Float](repeating: 0, count: n)
            let subs = Self.random(n, seed: 5).map { $0 / 10 }
            Float.expSubSwift(x, subs, &wantSub, n)
            for level in 0...max(PackedMatrix.level, 0) {
                #expect(VectorExp.rowMax(x, n, level: level) == wantMax, "n \(n) level \(level)")
                var got = [Float](repeating: 0, count: n)
                let sum = VectorExp.expShiftSum(x, &got, n, shift, level: level)
                let worst = zip(got, want).map { Self.ulps($0, $1) }.max() ?? 0
                #expect(worst <= 2, "n \(n) level \(level): \(worst) ulp")
                #expect(abs(sum - wantSum) <= 2e-6 * wantSum, "n \(n) level \(level): sum \(sum) vs \(wantSum)")
                VectorExp.expSub(x, subs, &got, n, level: level)
                let worstSub = zip(got, wantSub).map { Self.ulps($0, $1) }.max() ?? 0
                #expect(worstSub <= 2, "n \(n) level \(level): expSub \(worstSub) ulp")
            }
        }
    }

    /// The whole Softmax node (rows over the last axis, and a middle axis through expSub)
    /// against the Swift primitives composed the same way.
    @Test func softmaxRowsMatchSwiftPath() throws {
        let (outer, r) = (12, 197)
        let x = Self.random(outer * r, seed: 3).map { $0 / 8 }
        var want = [Float](repeating: 0, count: outer * r)
        for o in 0..<outer {
            x.withUnsafeBufferPointer { p in
                want.withUnsafeMutableBufferPointer { d in
                    let s = p.baseAddress! + o * r, dd = d.baseAddress! + o * r
                    let m = Float.rowMaxSwift(s, r)
                    let inv = 1 / Float.expShiftSumSwift(s, dd, r, m)
                    for j in 0..<r { dd[j] *= inv }
                }
            }
        }
        let got = try runNode("Softmax", [try Tensor(floats: x, shape: [outer, r], dtype: .float32)], opset: 13)[0]
            .scalars(of: Float.self)
        let worst = zip(got, want).map { abs($0 - $1) / max($1, 1e-30) }.max() ?? 0
        #expect(worst <= 2e-6, "worst relative difference \(worst)")
    }
}
