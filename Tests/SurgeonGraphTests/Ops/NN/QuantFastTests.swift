@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The typed QuantizeLinear / DequantizeLinear loops against the Double paths they replace.
@Suite struct QuantFastTests {
    var seed: UInt32 = 3
    mutating func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }

    @Test mutating func quantizeMatchesPlain() throws {
        // Per tensor (odd size, and large enough to be split over threads) and per axis.
        let shapes: [([Int], Int, Int)] = [([7], 0, 1), ([3, 5, 7], 1, 5), ([3, 5, 7], -1, 7), ([4, 3], 0, 4),
                                           ([2, 70_001], 0, 1), ([2, 3, 40_000], 1, 3)]
        for (shape, axis, channels) in shapes {
            let n = shape.reduce(1, *)
            var xv = (0..<n).map { _ in rnd() * 600 }
            // Ties, NaN, infinities and huge values.
            let specials: [Float] = [.nan, .infinity, -.infinity, 1e30, -1e30, 0.5, 1.5, 2.5, -0.5, -2.5, 127.5, -128.5, 0]
            for (i, v) in specials.enumerated() where i < n { xv[i * 3 % n] = v }
            let x = try f32(shape, xv)
            let scale = try f32(channels == 1 ? [] : [channels], (0..<channels).map { Float($0) * 0.7 + 0.5 })
            for outType in [DType.uint8, .int8, .uint16, .int16] {
                for withZp in [false, true] {
                    let zp: Tensor? = withZp
                        ? try Tensor(int64s: (0..<channels).map { Int64($0 * 7 % 20) - (outType == .int8 || outType == .int16 ? 5 : 0) },
                                     shape: scale.shape, dtype: outType)
                        : nil
                    let fast = try #require(try QuantizeLinear.fast(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: 0))
                    let plain = try QuantizeLinear.plain(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: 0, saturate: true)
                    #expect(fast.dtype == plain.dtype && fast.int64Array() == plain.int64Array(), "\(shape) axis \(axis) \(outType) zp \(withZp)")
                }
            }
        }
    }

    @Test mutating func dequantizeMatchesPlain() throws {
        let shapes: [([Int], Int, Int)] = [([9], 0, 1), ([3, 5, 7], 1, 5), ([4, 3], -1, 3), ([2, 3, 40_001], 1, 3)]
        for (shape, axis, channels) in shapes {
            let n = shape.reduce(1, *)
            let scale = try f32(channels == 1 ? [] : [channels], (0..<channels).map { _ in abs(rnd()) + 0.01 })
            for xType in [DType.uint8, .int8, .int16, .uint16, .int32] {
                let xv: [Int64] = (0..<n).map { _ in Int64(rnd() * 70_000) }
                let x = try Tensor(int64s: xv, shape: shape, dtype: xType)
                let zp = try Tensor(int64s: (0..<channels).map { Int64($0 * 3) }, shape: scale.shape, dtype: xType)
                for z in [nil, zp] {
                    let fast = try #require(try DequantizeLinear.fast(x: x, scale: scale, zp: z, outType: .float32, axis: axis, block: 0))
                    let plain = try DequantizeLinear.plain(x: x, scale: scale, zp: z, outType: .float32, axis: axis, block: 0)
                    #expect(try fast.scalars(of: Float.self) == plain.scalars(of: Float.self), "\(shape) \(xType)")
                }
            }
        }
    }

    @Test mutating func matMulIntegerMatchesPlain() throws {
        // K past 256 exercises the K slices; per-column and scalar zero points; a batch axis.
        for (aShape, n) in [([5, 300], 7), ([2, 3, 17], 4), ([1, 600], 3)] {
            let k = aShape.last ?? 1
            for (ta, tb) in [(DType.uint8, DType.int8), (.int8, .uint8), (.uint8, .uint8)] {
                func ints(_ count: Int, _ t: DType) -> [Int64] {
                    (0..<count).map { _ in t == .uint8 ? Int64((rnd() + 0.5) * 255) : Int64(rnd() * 255) }
                }
                let a = try Tensor(int64s: ints(aShape.reduce(1, *), ta), shape: aShape, dtype: ta)
                let b = try Tensor(int64s: ints(k * n, tb), shape: [k, n], dtype: tb)
                let azp = try Tensor(int64s: ints(1, ta), shape: [], dtype: ta)
                let bzpCol = try Tensor(int64s: ints(n, tb), shape: [n], dtype: tb)
                for (za, zb) in [(nil, nil), (azp, bzpCol), (azp, try Tensor(int64s: ints(1, tb), shape: [], dtype: tb))] as [(Tensor?, Tensor?)] {
                    let fast = try #require(try MatMulInteger.fast(a, b, za, zb))
                    let plain = try MatMulInteger.integerMatMul(a, b, za, zb).cast(to: .int32)
                    #expect(fast.shape == plain.shape && fast.int64Array() == plain.int64Array(), "\(aShape) \(ta) \(tb)")
                }
            }
        }
    }

    @Test func blockedAndOtherTypesTakeThePlainPath() throws {
        let x = try f32([4], [1, 2, 3, 4]), s = try f32([2], [1, 2])
        #expect(try QuantizeLinear.fast(x: x, scale: s, zp: nil, outType: .uint8, axis: 0, block: 2) == nil)
        #expect(try QuantizeLinear.fast(x: x.cast(to: .float64), scale: s, zp: nil, outType: .uint8, axis: 0, block: 0) == nil)
        #expect(try QuantizeLinear.fast(x: x, scale: s, zp: nil, outType: .int4, axis: 0, block: 0) == nil)
        // A per-axis scale of the wrong length is left to the plain path, which reports it.
        #expect(try QuantizeLinear.fast(x: x, scale: try f32([3], [1, 1, 1]), zp: nil, outType: .uint8, axis: 0, block: 0) == nil)
    }
}
