import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The C activation kernels (`VectorMath`, vec_math.c) at every vector level this CPU runs
/// (AVX-512F, AVX2 + FMA) against the Swift kernels they stand in for (`K.apply`, the plain
/// yardstick) and against double-precision references: they fuse products and sums, so they
/// are within a stated tolerance of the Swift loops, not the same bits. Edge cases (NaN, ±inf,
/// ±0) give what the Swift kernels give; every length from 1 to 70 (the masked last vector)
/// gives the same values as whole vectors, nothing is written past the end, the gated form is
/// x · f(x) of the same f, and the two levels agree bit for bit (same operations, narrower
/// vectors).
@Suite struct VectorMathTests {
    static var levels: [Int] { PackedMatrix.level >= 1 ? Array(1...PackedMatrix.level) : [] }

    /// The functions, their Swift kernel, a double reference and the bounds:
    /// |c - swift| <= toSwift * max(1, |x|), |c - reference| <= toReference * max(1, |x|).
    static let cases: [(VectorMath.Function, (Float) -> Float, (Double) -> Double, Double, Double)] = [
        (.sigmoid, SigmoidF.apply, { 1 / (1 + Foundation.exp(-$0)) }, 1.5e-7, 3e-7),
        (.tanh, TanhF.apply, { Foundation.tanh($0) }, 2.5e-7, 3e-7),
        (.erf, ErfF.apply, { Foundation.erf($0) }, 2.5e-7, 5e-7),
        (.geluErf, GeluErfF.apply, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, 3e-7, 3e-7),
        (.geluTanh, GeluTanhF.apply,
         { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }, 3e-7, 4e-7),
        (.hardSwish, HardSwishF.apply, { $0 * max(0, min(1, $0 / 6 + 0.5)) }, 0, 3e-7),
    ]

    static func sweep() -> [Float] {
        var xs: [Float] = []
        var x: Float = -20
        while x < 20 { xs.append(x); x += 0.000937 }
        for e in -40...3 { let v = Float(pow(2.0, Double(e))); xs += [v, -v, v * 1.37, -v * 1.37] }
        return xs
    }

    @Test func matchesSwiftAndReference() throws {
        let xs = Self.sweep()
        for level in Self.levels {
            for (f, swift, reference, toSwift, toReference) in Self.cases {
                var y = [Float](repeating: 0, count: xs.count)
                #expect(VectorMath.apply(f, xs, &y, xs.count, level: level))
                var worstSwift = 0.0, worstReference = 0.0
                for (x, v) in zip(xs, y) {
                    let scale = max(1, abs(Double(x)))
                    worstSwift = max(worstSwift, abs(Double(v) - Double(swift(x))) / scale)
                    worstReference = max(worstReference, abs(Double(v) - reference(Double(x))) / scale)
                }
                #expect(worstSwift <= toSwift, "\(f) level \(level): \(worstSwift) from the Swift kernel")
                #expect(worstReference <= toReference, "\(f) level \(level): \(worstReference) from double")
            }
        }
    }

    @Test func edgeCasesAsSwift() {
        let xs: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, 17, -17, 17.5, -17.5, 3.92, -3.92, 4.17,
                           -4.5, 0.5, -0.5, 0.49999997, 1e-30, -1e-30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for level in Self.levels {
            for (f, swift, _, _, _) in Self.cases {
                var y = [Float](repeating: 7, count: xs.count)
                #expect(VectorMath.apply(f, xs, &y, xs.count, level: level))
                for (x, v) in zip(xs, y) {
                    let s = swift(x)
                    if s.isNaN || v.isNaN {
                        #expect(s.isNaN && v.isNaN, "\(f)(\(x)) level \(level): \(v), Swift \(s)")
                    } else if s == 0 || !s.isFinite || abs(s) == 1 {
                        #expect(v.bitPattern == s.bitPattern, "\(f)(\(x)) bits level \(level): \(v), Swift \(s)")
                    } else {
                        #expect(abs(v - s) <= 3e-7 * max(1, abs(x)), "\(f)(\(x)) level \(level): \(v), Swift \(s)")
                    }
                }
            }
        }
    }

    /// Every length 1...70 and 129: each value as in one whole-vector call (masked tails run
    /// the same code), the sentinel past the end untouched, in place the same, gated x · f(x).
    @Test func lengthsTailsInPlaceAndGated() {
        let base = (0..<144).map { Float(($0 * 37) % 101 - 50) / 9 }
        for level in Self.levels {
            for (f, _, _, _, _) in Self.cases {
                var full = [Float](repeating: 0, count: base.count)
                #expect(VectorMath.apply(f, base, &full, base.count, level: level))
                for n in Array(1...70) + [129] {
                    var y = [Float](repeating: -99, count: n + 1)
                    #expect(VectorMath.apply(f, base, &y, n, level: level))
                    #expect(Array(y[..<n]) == Array(full[..<n]), "\(f) level \(level) n \(n)")
                    #expect(y[n] == -99, "\(f) level \(level) n \(n): wrote past the end")
                    var p = Array(base[..<n])
                    p.withUnsafeMutableBufferPointer { b in
                        #expect(VectorMath.apply(f, b.baseAddress!, b.baseAddress!, n, level: level))
                    }
                    #expect(p == Array(full[..<n]), "\(f) level \(level) n \(n) in place")
                    var g = Array(base[..<n])
                    g.withUnsafeMutableBufferPointer { b in
                        #expect(VectorMath.apply(f, b.baseAddress!, b.baseAddress!, n, gated: true, level: level))
                    }
                    #expect(g == (0..<n).map { base[$0] * full[$0] }, "\(f) level \(level) n \(n) gated")
                }
            }
        }
    }

    @Test func levelsAgreeBitForBit() {
        guard PackedMatrix.level >= 2 else { return }
        let xs = Self.sweep()
        for (f, _, _, _, _) in Self.cases {
            var a = [Float](repeating: 0, count: xs.count), b = a
            #expect(VectorMath.apply(f, xs, &a, xs.count, level: 1))
            #expect(VectorMath.apply(f, xs, &b, xs.count, level: 2))
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(f)")
        }
    }

    @Test func levelZeroLeavesItToSwift() {
        var y: [Float] = [5]
        #expect(!VectorMath.apply(.sigmoid, [1], &y, 1, level: 0))
        #expect(y == [5])
    }

    /// The op and the loops the plan's epilogues use go through the same kernel: a Gelu node's
    /// output equals `unaryRunF32` (what a fused Gelu epilogue runs) and the gated loop equals
    /// x times the Sigmoid node's output, bit for bit.
    @Test func opAndEpilogueLoopsAgree() throws {
        let n = 1000
        let xs = (0..<n).map { Float(($0 * 53) % 997 - 498) / 61 }
        let x = try f32([n], xs)
        let gelu = try runNode("Gelu", [x], opset: 20)[0]
        var viaRun = xs
        viaRun.withUnsafeMutableBufferPointer { unaryRunF32($0.baseAddress!, n, GeluErfF.self) }
        #expect(try gelu.scalars(of: Float.self).map(\.bitPattern) == viaRun.map(\.bitPattern))
        let sig = try runNode("Sigmoid", [x], opset: 13)[0].scalars(of: Float.self)
        var gated = xs
        gated.withUnsafeMutableBufferPointer { gatedRunF32($0.baseAddress!, n, SigmoidF.self) }
        #expect(gated.map(\.bitPattern) == zip(xs, sig).map { ($0 * $1).bitPattern })
    }
}

/// `x * K(x)` for each value as the plan's gated epilogues compute it (`gatedRunF32`: the C
/// vector kernel where the CPU has one), the expected values of fused SiLU gates in tests.
func gatedValues<K: FloatUnaryKernel>(_ xs: [Float], _ k: K.Type) -> [Float] {
    var r = xs
    r.withUnsafeMutableBufferPointer { b in if let p = b.baseAddress { gatedRunF32(p, b.count, K.self) } }
    return r
}

extension VectorMathTests {
    /// HardSwish in C fuses nothing: the Swift kernel's bits for every value of the sweep, the
    /// edges of its ramp (±3 and their neighbours), ±0, ±inf and NaNs of both signs and other
    /// payloads (NaN in, NaN out), at every level this CPU runs.
    @Test func hardSwishIsTheSwiftKernelBitForBit() {
        var xs = Self.sweep()
        for e: Float in [3, -3] { xs += [e, e.nextUp, e.nextDown] }
        xs += [0, -0.0, .infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7fc0_1234), .greatestFiniteMagnitude,
               -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        for level in Self.levels {
            var y = [Float](repeating: 7, count: xs.count)
            #expect(VectorMath.apply(.hardSwish, xs, &y, xs.count, level: level))
            let wrong = zip(xs, y).filter { x, v in
                let s = HardSwishF.apply(x)
                return s.isNaN ? !v.isNaN : v.bitPattern != s.bitPattern
            }
            #expect(wrong.isEmpty, "level \(level): \(wrong.prefix(5))")
        }
    }
}
