import Foundation
@testable import SurgeonTensor
import Testing

/// The C exp kernels (`VectorExp`, vec_exp.c) at every level this CPU runs (AVX-512F, AVX2 +
/// FMA, plain C) against double-precision exp: accuracy over the whole range, the edge cases
/// (-inf and below -87.33654 give 0, NaN stays NaN, above 88 clamped), every row length from
/// 1 to 70 and some longer ones (the masked last vector), nothing written past the row.
/// SurgeonGraph's SoftmaxFastTests compare them with the Swift `simdExp` path.
@Suite struct VectorExpTests {
    static var levels: [Int] { Array(0...max(PackedMatrix.level, 0)) }

    static func random(_ n: Int, seed: UInt64, scale: Float) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int((s >> 33) % 200001) - 100000) / 100000 * scale
        }
    }

    /// exp(x) for x over [-87.3, 88] (shift 0): relative error below 2.5e-7 (2 ulp) against
    /// Foundation's double exp at every level.
    @Test func expMatchesDouble() {
        var xs: [Float] = []
        var x: Float = -87.3
        while x < 88 { xs.append(x); x += 0.00731 }
        for level in Self.levels {
            var y = [Float](repeating: 0, count: xs.count)
            _ = VectorExp.expShiftSum(xs, &y, xs.count, 0, level: level)
            var worst = 0.0
            for (xi, yi) in zip(xs, y) {
                let ref = Foundation.exp(Double(xi))
                worst = max(worst, abs(Double(yi) - ref) / ref)
            }
            #expect(worst < 2.5e-7, "level \(level): worst relative error \(worst)")
        }
    }

    @Test func edgeCases() {
        let xs: [Float] = [-.infinity, -1000, -87.34, -87.3, 0, 1, .nan, 88, 88.5, 1000, .infinity, -0.0, 1e-30, -.nan]
        for level in Self.levels {
            var y = [Float](repeating: 7, count: xs.count)
            let sum = VectorExp.expShiftSum(xs, &y, xs.count, 0, level: level)
            #expect(y[0] == 0 && y[1] == 0 && y[2] == 0, "level \(level)")
            let e873 = Foundation.exp(Double(xs[3]))
            #expect(abs(Double(y[3]) - e873) / e873 < 2.5e-7, "level \(level)")
            #expect(y[4] == 1 && y[11] == 1 && y[12] == 1, "level \(level)")
            #expect(abs(y[5] - 2.7182817) <= 2.4e-7, "level \(level)")
            #expect(y[6].isNaN && y[13].isNaN, "level \(level)")
            let e88 = Float(Foundation.exp(88.0))
            for i in [7, 8, 9, 10] { #expect(abs(y[i] - e88) / e88 < 2.5e-7, "level \(level) [\(i)]: \(y[i])") }
            #expect(sum.isNaN, "level \(level)")
        }
    }

    /// Every length 1...70 and a few longer: outputs and sum against double exp, the max exact,
    /// nothing past the row written; the softmax row (also in place) sums to 1.
    @Test func tailsAndSoftmaxRows() {
        for n in Array(1...70) + [127, 197, 1000, 1025] {
            let x = Self.random(n, seed: UInt64(n), scale: 20)
            let shift: Float = 3.5
            let wantMax = x.max() ?? 0
            for level in Self.levels {
                #expect(VectorExp.rowMax(x, n, level: level) == wantMax, "n \(n) level \(level)")
                var y = [Float](repeating: -5, count: n + 20)
                let sum = VectorExp.expShiftSum(x, &y, n, shift, level: level)
                var refSum = 0.0
                for i in 0..<n {
                    let ref = Foundation.exp(Double(x[i] - shift))
                    refSum += ref
                    #expect(abs(Double(y[i]) - ref) / ref < 2.5e-7, "n \(n) level \(level) i \(i)")
                }
                let yUntouched = y[n...].allSatisfy { $0 == -5 }
                #expect(yUntouched, "n \(n) level \(level): wrote past the row")
                #expect(abs(Double(sum) - refSum) / refSum < 1e-5, "n \(n) level \(level)")

                var d = [Float](repeating: -5, count: n + 20)
                VectorExp.expSub(x, [Float](repeating: shift, count: n), &d, n, level: level)
                #expect(Array(d[..<n]) == Array(y[..<n]), "n \(n) level \(level): expSub differs from expShiftSum")
                let dUntouched = d[n...].allSatisfy { $0 == -5 }
                #expect(dUntouched, "n \(n) level \(level): expSub wrote past the row")

                var s = [Float](repeating: -5, count: n + 20)
                VectorExp.softmaxRow(x, &s, n, level: level)
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { p in VectorExp.softmaxRow(p.baseAddress!, p.baseAddress!, n, level: level) }
                #expect(inPlace == Array(s[..<n]), "n \(n) level \(level): in place differs")
                let sUntouched = s[n...].allSatisfy { $0 == -5 }
                #expect(sUntouched, "n \(n) level \(level): softmax wrote past the row")
                let total = s[..<n].reduce(0.0) { $0 + Double($1) }
                #expect(abs(total - 1) < 1e-5, "n \(n) level \(level): sums to \(total)")
            }
        }
    }

    /// A row with -inf entries (masked scores) gives 0 there; a NaN anywhere makes the row NaN.
    @Test func softmaxSpecials() {
        for level in Self.levels {
            for n in [5, 20, 40] {
                var x = Self.random(n, seed: 9, scale: 3)
                x[n - 1] = -.infinity
                x[1] = -.infinity
                var y = [Float](repeating: 0, count: n)
                VectorExp.softmaxRow(x, &y, n, level: level)
                #expect(y[1] == 0 && y[n - 1] == 0, "level \(level) n \(n)")
                #expect(abs(y.reduce(0.0) { $0 + Double($1) } - 1) < 1e-5)
                for at in [0, n / 2, n - 1] {
                    var z = x
                    z[at] = .nan
                    VectorExp.softmaxRow(z, &y, n, level: level)
                    let allNaN = y.allSatisfy(\.isNaN)
                    #expect(allNaN, "level \(level) n \(n) NaN at \(at)")
                }
            }
        }
    }
}
