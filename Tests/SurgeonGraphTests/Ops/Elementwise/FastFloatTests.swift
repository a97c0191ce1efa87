import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The parallel float32 fast paths against the general kernels they sit next to.
@Suite struct FastFloatTests {
    /// Deterministic values with NaN, ±inf, -0 and large/small magnitudes sprinkled in.
    static func values(_ n: Int, seed: Int = 1) -> [Float] {
        var v = (0..<n).map { Float((($0 + seed) * 7919) % 4001) * 0.005 - 10 }
        let specials: [Float] = [.nan, .infinity, -.infinity, -0.0, 0, 1e30, -1e-30, 3]
        for (k, s) in specials.enumerated() where k * 97 < n { v[k * 97] = s }
        return v
    }

    static func sameBits(_ a: Tensor, _ b: Tensor) throws -> Bool {
        guard a.shape == b.shape else { return false }
        let x = try a.scalars(of: Float.self), y = try b.scalars(of: Float.self)
        return x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
    }

    func checkBinary<K: FloatBinaryKernel>(_ k: K.Type, _ f: (Float, Float) -> Float, _ sa: [Int], _ sb: [Int]) throws {
        let a = try f32(sa, Self.values(sa.reduce(1, *), seed: 3))
        let b = try f32(sb, Self.values(sb.reduce(1, *), seed: 11).map { $0 == 0 ? 0.5 : $0 })
        let fast = try fastBinaryF32(a, b, K.self)
        let plain = try bmap2(a, b, Float.self, Float.self, Float.self, f)
        #expect(fast != nil, "\(sa) \(sb)")
        if let fast { #expect(try Self.sameBits(fast, plain), "\(K.self) \(sa) \(sb)") }
    }

    /// Same shape, scalars, row broadcasts (both sides, with and without leading 1s), odd sizes
    /// and sizes above the parallel threshold so both threads run.
    @Test func binaryMatchesGeneralKernel() throws {
        let cases: [([Int], [Int])] = [
            ([7], [7]), ([3, 70_001], [3, 70_001]), ([200_003], []), ([], [200_003]), ([1], [5, 3]),
            ([300, 1001], [1001]), ([1001], [300, 1001]), ([2, 150, 769], [1, 1, 769]), ([1, 769], [2, 150, 769]),
            ([4, 5, 6], [5, 6]), ([0, 4], [4]),
            // per-block (per-channel) broadcasts, both sides, batch 1 and matching batches
            ([1, 96, 56, 57], [1, 96, 1, 1]), ([1, 96, 1, 1], [1, 96, 56, 57]), ([2, 3, 5, 7], [2, 3, 1, 1]),
            ([3, 1], [3, 70_001]), ([96, 1, 1], [1, 96, 7, 9]),
        ]
        for (sa, sb) in cases {
            try checkBinary(AddF.self, { $0 + $1 }, sa, sb)
            try checkBinary(SubF.self, { $0 - $1 }, sa, sb)
            try checkBinary(MulF.self, { $0 * $1 }, sa, sb)
            try checkBinary(DivF.self, { $0 / $1 }, sa, sb)
        }
    }

    /// The in-place loops of the plan's binary epilogues (one pointer read and written) give
    /// `fastBinaryF32`'s bits: same shape, scalar and row operands, both operand orders.
    @Test func inPlaceBinaryMatchesOutOfPlace() throws {
        let n = 300 * 1001
        let yv = Self.values(n, seed: 5)
        let y = try f32([300, 1001], yv)
        for qs in [[300, 1001], [], [1001]] {
            let q = try f32(qs, Self.values(qs.reduce(1, *), seed: 17))
            func check<K: FloatBinaryKernel>(_ k: K.Type, reversed: Bool) throws {
                let want = try #require(reversed ? fastBinaryF32(q, y, K.self) : fastBinaryF32(y, q, K.self))
                var got = yv
                let qv = try q.scalars(of: Float.self)
                got.withUnsafeMutableBufferPointer { b in
                    qv.withUnsafeBufferPointer { qb in
                        if let p = b.baseAddress, let qp = qb.baseAddress {
                            binaryInPlaceF32(p, b.count, qp, qb.count, reversed: reversed, K.self)
                        }
                    }
                }
                #expect(try Self.sameBits(try f32([300, 1001], got), want), "\(K.self) \(qs) reversed \(reversed)")
            }
            for r in [false, true] {
                try check(AddF.self, reversed: r)
                try check(SubF.self, reversed: r)
                try check(MulF.self, reversed: r)
                try check(DivF.self, reversed: r)
            }
        }
    }

    /// Other broadcasts are left to the general kernel; the ops still give its result.
    @Test func otherBroadcastsFallBack() throws {
        let a = try f32([3, 1], [1, 2, 3]), b = try f32([1, 4], [10, 20, 30, 40])
        #expect(try fastBinaryF32(a, b, AddF.self) == nil)
        #expect(try fastBinaryF32(a, try f32([3], [1, 2, 3]), AddF.self) == nil)
        #expect(blockBroadcast([2, 3, 1, 1], [1, 3, 5, 7]) == nil && blockBroadcast([1, 3, 1, 1], [2, 3, 5, 7]) == nil)
        #expect(blockBroadcast([1, 3, 1, 1], [1, 3, 5, 7]) == 35 && blockBroadcast([3, 1], [3, 4]) == 4)
        #expect(blockBroadcast([3, 1, 1], [2, 3, 5, 7]) == nil && blockBroadcast([3, 1], [2, 3, 4]) == nil)
        #expect(blockBroadcast([3, 1], [2, 3, 1]) == nil && blockBroadcast([1, 3, 5], [1, 3, 5]) == nil)
        let y = try runNode("Add", [a, b])[0]
        #expect(y.shape == [3, 4])
        #expect(try y.scalars(of: Float.self) == [11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43])
        #expect(try runNode("Sub", [try f32([2], [1, 2]), try f32([1, 1, 2], [5, 7])])[0].shape == [1, 1, 2])
        // a lower-rank operand of all 1s widens the output: general kernel
        #expect(try fastBinaryF32(try f32([3], [1, 2, 3]), try f32([1, 1], [2]), MulF.self) == nil)
        let m = try runNode("Mul", [try f32([3], [1, 2, 3]), try f32([1, 1], [2])])[0]
        #expect(m.shape == [1, 3])
        #expect(try m.scalars(of: Float.self) == [2, 4, 6])
    }

    /// Every float32 bit pattern with a stride (both signs, denormals to infinities) and a
    /// dense sweep of [-12, 12]: the shared inputs of the erf and Gelu checks.
    static func erfSweep() -> [Float] {
        var v: [Float] = []
        var b: UInt32 = 0
        while b < 0xFF80_0000 { v.append(Float(bitPattern: b)); b = b &+ 4099 }
        var x: Float = -12
        while x < 12 { v.append(x); x += 0.0001 }
        return v + [.infinity, -.infinity, 1e-45, -1e-45, 4.17, -4.17, 4.1700006, 0.5, -0.5]
    }

    /// erfF (rational form) against libm's double erf: absolute error ≤ 5e-7 everywhere
    /// (measured 4.1e-7, ~7 ulp of values near ±1), relative ≤ 3e-7 below 0.5 (measured
    /// 2.2e-7, ≤ 3 ulp), and the special values.
    @Test func erfMatchesDouble() {
        var worstAbs = 0.0, worstRel = 0.0
        for x in Self.erfSweep() where !x.isNaN {
            let ref = Foundation.erf(Double(x))
            let e = Double(erfF(x))
            worstAbs = max(worstAbs, abs(e - ref))
            // (relative error among normal results: denormals have fewer digits)
            if abs(x) < 0.5 && abs(ref) >= Double(Float.leastNormalMagnitude) { worstRel = max(worstRel, abs(e - ref) / abs(ref)) }
        }
        #expect(worstAbs <= 5e-7, "abs \(worstAbs)")
        #expect(worstRel <= 3e-7, "rel \(worstRel)")
        #expect(erfF(.nan).isNaN && erfF(-.nan).isNaN)
        #expect(erfF(.infinity) == 1 && erfF(-.infinity) == -1)
        #expect(erfF(0) == 0 && erfF(-0.0) == 0 && erfF(-0.0).sign == .minus)
        #expect(erfF(40) == 1 && erfF(-40) == -1 && erfF(1e30) == 1 && erfF(-1e30) == -1)
        #expect(erfF(1e-30) > 0 && erfF(-1e-30) < 0)
    }

    /// Gelu (erf form) against the double formula over the same sweep: absolute error
    /// ≤ 2.5e-7 · max(1, |x|) (measured 2.0e-7), within 4 ulp for x > 0 (measured 3);
    /// for x < 0, 1 + erf cancels and only the absolute error means something.
    @Test func geluMatchesDouble() throws {
        var worst = 0.0, worstUlp = 0.0
        for x in Self.erfSweep() where x.isFinite {
            let xd = Double(x)
            let ref = 0.5 * xd * (1 + Foundation.erf(xd / 2.0.squareRoot()))
            let g = GeluErfF.apply(x)
            worst = max(worst, abs(Double(g) - ref) / max(1, abs(xd)))
            if x > 0, ref.isFinite, Float(ref).isFinite, Float(ref) >= Float.leastNormalMagnitude {
                worstUlp = max(worstUlp, abs(Double(g) - ref) / Double(Float(ref).ulp))
            }
        }
        #expect(worst <= 2.5e-7, "\(worst)")
        #expect(worstUlp <= 4, "ulp \(worstUlp)")
        #expect(GeluErfF.apply(.nan).isNaN)
        #expect(GeluErfF.apply(.infinity) == .infinity)
        #expect(GeluErfF.apply(-.infinity).isNaN || GeluErfF.apply(-.infinity) == 0)
        #expect(GeluErfF.apply(-10) == 0 && GeluErfF.apply(10) == 10 && GeluErfF.apply(3e38) == 3e38)
    }

    /// tanhF against libm's double tanh: relative error ≤ 4e-7 (a few ulp) everywhere, on both
    /// sides of the 0.5 switch, and the special values.
    @Test func tanhMatchesDouble() {
        var worst = 0.0
        var x: Float = -20
        while x < 20 {
            let ref = Foundation.tanh(Double(x))
            if x != 0 { worst = max(worst, abs(Double(tanhF(x)) - ref) / abs(ref)) }
            x += 0.000377
        }
        for t: Float in [1e-30, 1e-10, 1e-5, 1e-3, -2e-4, 0.4999, 0.5, 0.5001, -0.5, 9, 9.1, 44, 45, 100] {
            let ref = Foundation.tanh(Double(t))
            worst = max(worst, abs(Double(tanhF(t)) - ref) / abs(ref))
        }
        #expect(worst <= 4e-7, "rel \(worst)")
        #expect(tanhF(.nan).isNaN)
        #expect(tanhF(.infinity) == 1 && tanhF(-.infinity) == -1)
        #expect(tanhF(0) == 0 && tanhF(-0.0) == 0 && tanhF(-0.0).sign == .minus)
        #expect(tanhF(1000) == 1 && tanhF(-1000) == -1)
        // float64 keeps libm
        let d = try? runNode("Tanh", [try Tensor(shape: [2], scalars: [0.5, -3.0])])[0].scalars(of: Double.self)
        #expect(d == [Foundation.tanh(0.5), Foundation.tanh(-3.0)])
    }

    /// Pow's float32 fast path (one-element exponent) against the general kernels: float32
    /// exponents bit for bit but squares and cubes, within one ulp of powf (x*x is the
    /// correctly rounded square; glibc's powf is not always); int64 exponents 2 and 3 like
    /// the Double path; other shapes and dtypes fall back.
    @Test func powFastPathMatchesGeneralKernel() throws {
        let v = Self.values(200_003).map { $0 * 0.37 }
        let x = try f32([1, 200_003], v)
        func general(_ e: Float) throws -> [Float] {
            try bmap2(x, try f32([], [e]), Float.self, Float.self, Float.self) { Foundation.pow($0, $1) }.scalars(of: Float.self)
        }
        for e: Float in [2, 0.5, -1, 1.7, 0, 3] {
            let y = try runNode("Pow", [x, try f32([], [e])])[0]
            #expect(y.shape == [1, 200_003])
            let fast = try y.scalars(of: Float.self), plain = try general(e)
            if e == 2 || e == 3 {
                let ulps = zip(fast, plain).map { a, b -> Int in
                    a.isNaN && b.isNaN || a == b ? 0 : (a.isFinite && b.isFinite ? Int(abs(Int64(a.bitPattern) - Int64(b.bitPattern))) : 99)
                }
                #expect((ulps.max() ?? 0) <= 1)
            } else {
                #expect(try Self.sameBits(y, try f32([1, 200_003], plain)), "exponent \(e)")
            }
        }
        for e: Int64 in [2, 3] {
            let y = try runNode("Pow", [x, try Tensor(shape: [1], scalars: [e])])[0]
            let ref = try x.cast(to: .float64).scalars(of: Double.self).map { Float(Foundation.pow($0, Double(e))) }
            #expect(try Self.sameBits(y, try f32([1, 200_003], ref)), "int64 exponent \(e)")
        }
        // not a fast case: integer exponent 4 (Double path), a rank-widening exponent, a tensor exponent
        #expect(try Pow.fastPowF32(x, try Tensor(shape: [1], scalars: [Int64(4)])) == nil)
        #expect(try Pow.fastPowF32(try f32([2], [1, 2]), try f32([1, 1], [2])) == nil)
        #expect(try Pow.fastPowF32(try f32([2], [1, 2]), try f32([2], [2, 3])) == nil)
        let w = try runNode("Pow", [try f32([2], [3, -2]), try f32([1, 1], [3])])[0]
        #expect(w.shape == [1, 2])
        #expect(try w.scalars(of: Float.self) == [27, -8])
    }

    /// The ops on a tensor above the parallel threshold give the per-element kernel's values
    /// (the parallel chunks change no bit).
    @Test func unaryOpsMatchScalarKernel() throws {
        let v = Self.values(300_007)
        let x = try f32([300_007], v)
        // The kernel as the loops run it on one thread (the C vector kernel where the CPU has
        // one: VectorMathTests compares those with `apply`).
        func serial<K: FloatUnaryKernel>(_ k: K.Type) -> [Float] {
            var r = v
            r.withUnsafeMutableBufferPointer { b in if let p = b.baseAddress { unaryRunF32(p, b.count, K.self) } }
            return r
        }
        let checks: [(String, [Float])] = [
            ("Erf", serial(ErfF.self)), ("Relu", v.map(ReluF.apply)), ("Sigmoid", serial(SigmoidF.self)),
            ("Sqrt", v.map(SqrtF.apply)), ("Tanh", serial(TanhF.self)),
        ]
        for (op, want) in checks {
            let y = try runNode(op, [x])[0]
            #expect(try Self.sameBits(y, try f32([300_007], want)), "\(op)")
        }
        let g = try runNode("Gelu", [x], opset: 20)[0]
        #expect(try Self.sameBits(g, try f32([300_007], serial(GeluErfF.self))))
        #expect(ReluF.apply(.nan).isNaN && ReluF.apply(-.infinity) == 0)
    }

    /// Softmax over the last axis with rows split over the threads, against a double reference.
    @Test func softmaxRowsMatchDouble() throws {
        let rows = 301, r = 1003
        var v = (0..<(rows * r)).map { Float(($0 * 31) % 997) * 0.02 - 10 }
        v[r * 5 + 3] = -.infinity
        let y = try runNode("Softmax", [try f32([rows, r], v)])[0].scalars(of: Float.self)
        var worst = 0.0
        for row in [0, 5, 150, 300] {
            let s = v[(row * r)..<((row + 1) * r)].map(Double.init)
            let m = s.max() ?? 0
            let sum = s.map { Foundation.exp($0 - m) }.reduce(0, +)
            for j in 0..<r { worst = max(worst, abs(Double(y[row * r + j]) - Foundation.exp(s[j] - m) / sum)) }
        }
        #expect(worst < 1e-6, "\(worst)")
        #expect(y[r * 5 + 3] == 0)
    }

    /// LayerNormalization rows split over the threads, against a double reference, with stats.
    @Test func layerNormRowsMatchDouble() throws {
        let rows = 257, n = 769
        let v = (0..<(rows * n)).map { Float(($0 * 131) % 1009) * 0.01 - 5 }
        let sc = (0..<n).map { Float($0 % 7) * 0.25 + 0.5 }, b = (0..<n).map { Float($0 % 5) * 0.1 }
        let out = try runNode("LayerNormalization", [try f32([rows, n], v), try f32([n], sc), try f32([n], b)], opset: 17)
        let y = try out[0].scalars(of: Float.self)
        var worst = 0.0
        for row in [0, 128, 256] {
            let s = v[(row * n)..<((row + 1) * n)].map(Double.init)
            let mean = s.reduce(0, +) / Double(n)
            let inv = 1 / (s.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n) + 1e-5).squareRoot()
            for j in 0..<n {
                worst = max(worst, abs(Double(y[row * n + j]) - ((s[j] - mean) * inv * Double(sc[j]) + Double(b[j]))))
            }
        }
        #expect(worst < 1e-4, "\(worst)")
    }
}
