import Foundation
@testable import SurgeonTensor
import Testing

/// The DynamicQuantizeLinear kernels (`QuantizeU8`, quantize_u8.c) at every vector level this
/// CPU runs, against the Swift formula (a float32 division, rounded half to even): quotients
/// exactly on a half-integer and one ulp either side (where the product by the reciprocal alone
/// rounds the other way), every length from 1 to 70 (the masked last vector), splits among
/// threads, NaN and infinities; the range pass against Swift's min and max.
@Suite struct QuantizeU8Tests {
    static var levels: [Int] { PackedMatrix.level >= 1 ? Array(1...PackedMatrix.level) : [] }

    static func reference(_ x: Float, _ scale: Float, _ zp: Float) -> UInt8 {
        let q = x / scale
        if q.isNaN { return 0 }
        return UInt8(min(255, max(0, q.rounded(.toNearestOrEven) + zp)))
    }

    /// Values whose quotients by `scale` sit on half-integers, a ulp either side, and at random.
    static func values(_ n: Int, scale: Float, seed: UInt64) -> [Float] {
        var s = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Int {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Int(s >> 33)
        }
        return (0..<n).map { i in
            let h = Float(next() % 400 - 200) + 0.5
            switch i % 4 {
            case 0: return h * scale
            case 1: return (h * scale).nextUp
            case 2: return (h * scale).nextDown
            default: return Float(next() % 2_000_001 - 1_000_000) / 1_000_000 * 150 * scale
            }
        }
    }

    @Test func quantizeMatchesDivision() throws {
        var ties = 0
        for level in Self.levels {
            for (scale, zp) in [(Float(0.0123), Float(128)), (0.37, 0), (3.1e-5, 255), (1, 17), (1.0 / 3.0, 200)] {
                let x = Self.values(4099, scale: scale, seed: UInt64(level * 1000) + UInt64(zp))
                var y = [UInt8](repeating: 7, count: x.count)
                #expect(QuantizeU8.quantize(x, x.count, scale: scale, zeroPoint: zp, into: &y, level: level, grain: 1000))
                for i in x.indices {
                    let want = Self.reference(x[i], scale, zp)
                    #expect(y[i] == want, "level \(level) scale \(scale) x \(x[i]): \(y[i]) vs \(want)")
                    // Count the values where the product by the reciprocal alone rounds otherwise.
                    let byProduct = (x[i] * (1 / scale)).rounded(.toNearestOrEven)
                    if byProduct != (x[i] / scale).rounded(.toNearestOrEven) { ties += 1 }
                }
            }
        }
        // The data reaches the case the division is there for.
        if !Self.levels.isEmpty { #expect(ties > 0) }
    }

    @Test func quantizeEveryTailAndSpecialValues() throws {
        for level in Self.levels {
            for n in 1...70 {
                var x = Self.values(n, scale: 0.05, seed: UInt64(n))
                if n > 5 { x[n - 1] = .nan; x[n / 2] = .infinity; x[1] = -.infinity; x[0] = -0.0 }
                // One byte past the end must stay untouched.
                var y = [UInt8](repeating: 99, count: n + 1)
                #expect(QuantizeU8.quantize(x, n, scale: 0.05, zeroPoint: 100, into: &y, level: level))
                #expect(Array(y[..<n]) == x.map { Self.reference($0, 0.05, 100) }, "level \(level) n \(n)")
                #expect(y[n] == 99)
            }
            // A scale without a finite reciprocal divides every value (a product would give NaN for 0).
            let tiny = Float.leastNonzeroMagnitude
            let x: [Float] = [0, tiny, -tiny, 3 * tiny, 1]
            var y = [UInt8](repeating: 0, count: x.count)
            #expect(QuantizeU8.quantize(x, x.count, scale: tiny, zeroPoint: 10, into: &y, level: level))
            #expect(y == x.map { Self.reference($0, tiny, 10) })
        }
        var y = [UInt8](repeating: 0, count: 1)
        #expect(!QuantizeU8.quantize([1], 1, scale: 1, zeroPoint: 0, into: &y, level: 0))
    }

    /// QuantizeLinear to uint8 then DequantizeLinear (`fakeQuantize`), in place and out of
    /// place, every tail length, NaN and infinities: bit for bit the Swift formulas.
    @Test func fakeQuantizeMatchesDivision() throws {
        for level in Self.levels {
            for (scale, zp, ds, dz) in [(Float(0.0123), Float(128), Float(0.0123), Int32(128)), (0.37, 0, 0.5, 3),
                                        (1.0 / 3.0, 200, 1.0 / 7.0, 200)] {
                for n in [1, 7, 8, 15, 16, 17, 70, 4099] {
                    var x = Self.values(n, scale: scale, seed: UInt64(n) &+ UInt64(level))
                    if n > 5 { x[n - 1] = .nan; x[n / 2] = .infinity; x[1] = -.infinity; x[0] = -0.0 }
                    let want = x.map { (Float(Int32(Self.reference($0, scale, zp)) &- dz) * ds).bitPattern }
                    var y = [Float](repeating: 9, count: n + 1)
                    #expect(QuantizeU8.fakeQuantize(x, &y, n, scale: scale, zeroPoint: zp, dqScale: ds, dqZero: dz, level: level))
                    #expect(y[..<n].map(\.bitPattern) == want, "level \(level) scale \(scale) n \(n)")
                    #expect(y[n] == 9)
                    #expect(QuantizeU8.fakeQuantize(x, &x, n, scale: scale, zeroPoint: zp, dqScale: ds, dqZero: dz, level: level))
                    #expect(x.map(\.bitPattern) == want, "in place, level \(level) n \(n)")
                }
            }
        }
        var y: [Float] = [0]
        #expect(!QuantizeU8.fakeQuantize([1], &y, 1, scale: 1, zeroPoint: 0, dqScale: 1, dqZero: 0, level: 0))
    }

    /// The pair with its bytes kept too (`fakeQuantize(_:bytes:...)`, a kept pair's two results):
    /// the bytes of `quantize` and the floats of `fakeQuantize`, every tail length, NaN and
    /// infinities, nothing written past either end.
    @Test func fakeQuantizeWithBytesMatchesBoth() throws {
        for level in Self.levels {
            for (scale, zp, ds, dz) in [(Float(0.0123), Float(128), Float(0.0123), Int32(128)), (0.37, 0, 0.5, 3)] {
                for n in [1, 7, 8, 9, 15, 16, 17, 70, 4099] {
                    var x = Self.values(n, scale: scale, seed: UInt64(n) &+ 77)
                    if n > 5 { x[n - 1] = .nan; x[n / 2] = .infinity; x[1] = -.infinity; x[0] = -0.0 }
                    let wantBytes = x.map { Self.reference($0, scale, zp) }
                    let want = wantBytes.map { (Float(Int32($0) &- dz) * ds).bitPattern }
                    var y = [Float](repeating: 9, count: n + 1)
                    var q = [UInt8](repeating: 42, count: n + 1)
                    #expect(QuantizeU8.fakeQuantize(x, bytes: &q, &y, n, scale: scale, zeroPoint: zp, dqScale: ds, dqZero: dz,
                                                    level: level))
                    #expect(Array(q[..<n]) == wantBytes, "bytes, level \(level) scale \(scale) n \(n)")
                    #expect(y[..<n].map(\.bitPattern) == want, "floats, level \(level) scale \(scale) n \(n)")
                    #expect(y[n] == 9 && q[n] == 42)
                }
            }
        }
        var y: [Float] = [0]
        var q: [UInt8] = [0]
        #expect(!QuantizeU8.fakeQuantize([1], bytes: &q, &y, 1, scale: 1, zeroPoint: 0, dqScale: 1, dqZero: 0, level: 0))
    }

    @Test func rangeMatchesSwift() {
        for level in Self.levels {
            for n in [1, 2, 15, 16, 17, 31, 33, 64, 1000, 300_001] {
                let x = Self.values(n, scale: 0.3, seed: UInt64(n) &+ 5)
                #expect(QuantizeU8.range(x, n, level: level, grain: 10_000)
                        == .finite(min: x.min() ?? 0, max: x.max() ?? 0), "level \(level) n \(n)")
                // A NaN or an infinity anywhere, the last lanes included.
                for bad in [Float.nan, .infinity, -.infinity] {
                    for at in Set([0, n / 2, n - 1]) {
                        var z = x
                        z[at] = bad
                        #expect(QuantizeU8.range(z, n, level: level, grain: 10_000) == .notFinite, "\(bad) at \(at) of \(n)")
                    }
                }
            }
        }
        #expect(QuantizeU8.range([1, 2], 2, level: 0) == .unavailable)
    }
}
