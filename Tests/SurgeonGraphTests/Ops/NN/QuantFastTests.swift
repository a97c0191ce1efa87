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

    /// uint8 with one scale and zero point runs quantize_u8.c's kernel: quotients on
    /// half-integers and one ulp either side (where the product by the reciprocal alone rounds
    /// the other way), against the Double path.
    @Test func quantizeUInt8PerTensorMatchesPlainAtTies() throws {
        let scales: [Float] = [0.0123, 1.0 / 3.0, 0.37]
        for scale in scales {
            var xv: [Float] = []
            for k in -300...300 {
                let h = (Float(k) + 0.5) * scale
                xv += [h, h.nextUp, h.nextDown]
            }
            let x = try f32([xv.count], xv)
            let zp = try Tensor(int64s: [117], shape: [], dtype: .uint8)
            let s = Tensor(scalar: scale)
            let fast = try #require(try QuantizeLinear.fast(x: x, scale: s, zp: zp, outType: .uint8, axis: 1, block: 0))
            let plain = try QuantizeLinear.plain(x: x, scale: s, zp: zp, outType: .uint8, axis: 1, block: 0, saturate: true)
            #expect(fast.int64Array() == plain.int64Array(), "scale \(scale)")
            #expect(Set(fast.int64Array()).count > 200)
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
        // K past 256 exercises the K slices; per-column and scalar zero points; a batch axis;
        // [3, 1300] × [1300, 450] runs B in three blocks of columns (201, 201, 48).
        for (aShape, n) in [([5, 300], 7), ([2, 3, 17], 4), ([1, 600], 3), ([3, 1300], 450)] {
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

    @Test(.enabled(if: QGemm.available, "no AVX-512 VNNI on this CPU"))
    mutating func packedMatMulIntegerMatchesPlain() throws {
        // uint8 A by a packed int8 B: K a multiple of 4 and not (A copied to a padded stride),
        // extreme values (255 × -128 sums), 8-row blocks with a tail, rows split over threads;
        // no zero points, scalar ones, per-column ones with a zero column.
        for (aShape, n) in [([5, 300], 7), ([2, 3, 17], 4), ([1, 128], 128), ([67, 512], 33), ([9, 1300], 450)] {
            let k = aShape.last ?? 1
            var av = (0..<aShape.reduce(1, *)).map { _ in Int64((rnd() + 0.5) * 255) }
            var bv = (0..<(k * n)).map { _ in Int64(rnd() * 255) }
            for i in 0..<min(k, av.count) { av[i] = 255 }
            for p in 0..<k { bv[p * n] = -128 }
            let a = try Tensor(int64s: av, shape: aShape, dtype: .uint8)
            let b = try Tensor(int64s: bv, shape: [k, n], dtype: .int8)
            let w = try #require(IntegerMatMulWeight().packed(for: b))
            let azp = try Tensor(int64s: [131], shape: [], dtype: .uint8)
            let bzpCol = try Tensor(int64s: (0..<n).map { $0 == 1 ? 0 : Int64(rnd() * 255) }, shape: [n], dtype: .int8)
            let bzp = try Tensor(int64s: [-77], shape: [], dtype: .int8)
            for (za, zb) in [(nil, nil), (azp, nil), (azp, bzp), (nil, bzpCol), (azp, bzpCol)] as [(Tensor?, Tensor?)] {
                let plain = try MatMulInteger.integerMatMul(a, b, za, zb).cast(to: .int32)
                let packed = try #require(try MatMulInteger.packed(a, b, za, zb, weights: w, float32: false))
                #expect(packed.dtype == .int32 && packed.shape == plain.shape && packed.int64Array() == plain.int64Array(),
                        "\(aShape) \(n)")
                // As floats: what Cast(to: FLOAT) gives.
                let floats = try #require(try MatMulInteger.packed(a, b, za, zb, weights: w, float32: true))
                #expect(try floats.scalars(of: Float.self) == plain.cast(to: .float32).scalars(of: Float.self))
            }
        }
        // Operands the kernel does not take: the general kernel runs.
        let b = try Tensor(int64s: [1, 2, 3, 4], shape: [2, 2], dtype: .int8)
        let w = try #require(IntegerMatMulWeight().packed(for: b))
        #expect(try MatMulInteger.packed(Tensor(int64s: [1, 2], shape: [1, 2], dtype: .int8), b, nil, nil, weights: w, float32: false) == nil)
        let a = try Tensor(int64s: [1, 2], shape: [1, 2], dtype: .uint8)
        #expect(try MatMulInteger.packed(a, b, try Tensor(int64s: [1, 2], shape: [2], dtype: .uint8), nil, weights: w, float32: false) == nil)
    }

    @Test mutating func dynamicQuantizeMatchesPlain() throws {
        // Mixed signs, all positive, all negative, all zero; odd sizes and one split over threads.
        for (n, shift, scale) in [(7, 0, 10), (1001, 0.6, 3), (1000, -0.6, 3), (33, 0, 0), (200_003, 0.1, 50)] as [(Int, Float, Float)] {
            var v = (0..<n).map { _ in (rnd() + shift) * scale }
            if n > 20 { v[3] = 2.5 * scale; v[11] = -0.0 }
            let x = try f32([n], v)
            let plain = try DynamicQuantizeLinear.plain(x)
            // The Swift loops (level 0) and the vector kernels.
            for level in Set([0, QuantizeU8.level]) {
                let fast = try #require(try DynamicQuantizeLinear.fast(x, level: level))
                #expect(fast.0.int64Array() == plain.0.int64Array(), "\(n) level \(level)")
                #expect(try fast.1.scalars(of: Float.self) == plain.1.scalars(of: Float.self))
                #expect(fast.2.int64Array() == plain.2.int64Array())
            }
        }
        // NaN and infinities are left to the plain path.
        for level in Set([0, QuantizeU8.level]) {
            #expect(try DynamicQuantizeLinear.fast(f32([9], [1, 2, 3, 4, 5, 6, 7, 8, .nan]), level: level) == nil)
            #expect(try DynamicQuantizeLinear.fast(f32([3], [1, -.infinity, 3]), level: level) == nil)
            #expect(try DynamicQuantizeLinear.fast(f32([40], (0..<40).map { $0 == 37 ? .infinity : Float($0) }), level: level) == nil)
        }
    }

    @Test mutating func convIntegerMatchesPlain() throws {
        // (x shape, w shape, group, pads, strides): K = channels × kernel below and above 256
        // (slices), depthwise, 1×1, strided and padded, a batch of 2, 1-D, groups in chunks.
        let cases: [([Int], [Int], Int, [Int], [Int])] = [
            ([1, 3, 9, 8], [4, 3, 3, 3], 1, [1, 1, 1, 1], [1, 1]),
            ([2, 40, 7, 6], [5, 40, 3, 3], 1, [1, 0, 1, 2], [2, 1]),
            ([1, 300, 5, 5], [6, 300, 1, 1], 1, [0, 0, 0, 0], [1, 1]),
            ([1, 8, 6, 7], [8, 1, 3, 3], 8, [1, 1, 1, 1], [2, 2]),
            // Grouped inputs big enough to run in several chunks of groups (a float copy of ~1 MB each).
            ([1, 6, 300, 300], [6, 1, 3, 3], 6, [1, 1, 1, 1], [2, 2]),
            ([2, 4, 260, 260], [8, 2, 3, 3], 2, [0, 1, 2, 1], [1, 1]),
            ([2, 60, 5, 4], [6, 30, 3, 3], 2, [1, 1, 1, 1], [1, 1]),
            ([1, 70, 11], [3, 70, 5], 1, [2, 2], [1]),
        ]
        for (xShape, wShape, group, pads, strides) in cases {
            for (tx, tw) in [(DType.uint8, DType.int8), (.int8, .int8), (.uint8, .uint8)] {
                func ints(_ count: Int, _ t: DType) -> [Int64] {
                    (0..<count).map { _ in t == .uint8 ? Int64((rnd() + 0.5) * 255) : Int64(rnd() * 255) }
                }
                let x = try Tensor(int64s: ints(xShape.reduce(1, *), tx), shape: xShape, dtype: tx)
                let w = try Tensor(int64s: ints(wShape.reduce(1, *), tw), shape: wShape, dtype: tw)
                // Extreme values, where the products are largest.
                let xz = try Tensor(int64s: [tx == .uint8 ? 255 : -128], shape: [], dtype: tx)
                let wzCh = try Tensor(int64s: ints(wShape[0], tw), shape: [wShape[0]], dtype: tw)
                let node = Node(name: "c", opType: "ConvInteger", inputs: ["x", "w", "xz", "wz"], outputs: ["y"],
                                attributes: [Attribute(name: "group", value: .int(group)),
                                             Attribute(name: "pads", value: .ints(pads)),
                                             Attribute(name: "strides", value: .ints(strides))])
                for (zx, zw) in [(nil, nil), (xz, wzCh), (xz, try Tensor(int64s: ints(1, tw), shape: [], dtype: tw))] as [(Tensor?, Tensor?)] {
                    let ctx = OpContext(node: node, inputs: [.tensor(x), .tensor(w), zx.map { .tensor($0) }, zw.map { .tensor($0) }],
                                        opset: 10, subgraphRunner: noSubgraphs)
                    let fast = try #require(try ConvInteger.fast(ctx: ctx, x: x, w: w, xZp: zx, wZp: zw))
                    let plain = try ConvInteger.plain(ctx: ctx, x: x, w: w, xZp: zx, wZp: zw)
                    #expect(fast.shape == plain.shape && fast.int64Array() == plain.values.map { Int64($0) },
                            "\(xShape) \(wShape) \(tx) \(tw)")
                }
            }
        }
    }

    /// The 8-bit to float conversion with a zero point per run, split among two threads in
    /// chunks that cut runs: each element shifted by its own run's zero point.
    @Test func shiftedFloatsPerRunAcrossChunks() throws {
        let saved = kernelThreads
        defer { kernelThreads = saved }
        kernelThreads = 2
        let n = 100_003, run = 999
        let raw = (0..<n).map { Int64(($0 &* 37) % 256) - 128 }
        let t = try Tensor(int64s: raw, shape: [n], dtype: .int8)
        let zs = (0..<((n + run - 1) / run)).map { Float($0 % 17) - 8 }
        for (z, r) in [(zs, run), ([Float(3)], n)] {
            let out = try ConvInteger.shiftedFloats(t, zeroPoints: z, run: r)
            let got = out.withPointer { Array(UnsafeBufferPointer(start: $0, count: n)) }
            #expect(got == raw.indices.map { Float(raw[$0]) - z[z.count == 1 ? 0 : $0 / r] }, "\(z.count) zero points")
        }
        var into = [Float](repeating: .nan, count: 60_000)
        try into.withUnsafeMutableBufferPointer { try ConvInteger.shiftedFloats(t, from: 40_000, count: 60_000, zeroPoint: -5, into: $0.baseAddress!) }
        #expect(into == (40_000..<100_000).map { Float(raw[$0]) + 5 })
    }

    /// The in-place conversion ConvInteger uses (floats and int32 results in one buffer)
    /// gives what the two-buffer one gives.
    @Test func inPlaceWholeFloatConversionMatches() throws {
        var values: [Float] = [0, -0.0, 1, -1, 16_777_216, -16_777_216, 65_025, -65_280, 3, -7, 2_147_483_520]
        var s: UInt32 = 5
        for _ in 0..<1000 {
            s = s &* 1664525 &+ 1013904223
            values.append(Float(Int32(bitPattern: s) >> 8))
        }
        var expected = [Int32](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            expected.withUnsafeMutableBufferPointer { dst in
                wholeFloatsToInt32(src.baseAddress!, dst.baseAddress!, values.count, accumulate: false)
            }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: values.count * 4, alignment: 16)
        defer { raw.deallocate() }
        raw.copyMemory(from: values, byteCount: values.count * 4)
        wholeFloatsToInt32InPlace(raw, values.count)
        let got = (0..<values.count).map { raw.load(fromByteOffset: $0 * 4, as: Int32.self) }
        #expect(got == expected)
        #expect(got[6] == 65_025 && got[7] == -65_280)
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
