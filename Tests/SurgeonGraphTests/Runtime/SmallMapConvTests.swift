import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Convolutions by a constant weight on small maps through the transposed product
/// (PlanSmallMapConv.swift, `ConvSmallMap`): the same bits as `ConvPointwise`
/// (pointwise) and the unfused plan's kernels (3×3 and 5×5, padded, strided), for maps up to
/// `pixelsUpTo`, K across the 256-row blocks, output channels across the 32-column panels,
/// with and without a bias, batches; in a plan, the weight packed once where `takes` says so
/// and the fused Relu applied.
@Suite struct SmallMapConvTests {
    /// `ConvPackedTests.random`'s values, times `scale`.
    static func values(_ n: Int, _ seed: inout UInt32, scale: Float = 1) -> [Float] {
        ConvPackedTests.random(n, &seed).map { $0 * scale }
    }

    @Test func transposedProductIsConvPointwiseBitForBit() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 7
        // (batch, input channels, output channels, pixels)
        let cases = [(1, 40, 240, 196), (1, 1152, 320, 49), (2, 300, 45, 7), (1, 3, 32, 1), (1, 512, 1000, 169),
                     (1, 600, 77, 256), (3, 17, 64, 13),
                     // Squeeze-and-excitation shapes on one pixel, and a 2 × 2 map.
                     (1, 576, 144, 1), (1, 144, 576, 1), (2, 16, 8, 1), (1, 300, 40, 4)]
        for (n, c, m, pixels) in cases {
            let x = Self.values(n * c * pixels, &seed, scale: 4), w = Self.values(m * c, &seed)
            for withBias in [false, true] {
                let bias = withBias ? Self.values(m, &seed, scale: 2) : nil
                var expected = [Float](repeating: 0, count: n * m * pixels)
                var got = [Float](repeating: .nan, count: n * m * pixels)
                let packed = try w.withUnsafeBufferPointer { pw -> PackedMatrix in
                    try PackedMatrix(try #require(pw.baseAddress), ldb: c, transposed: true, k: c, n: m)
                }
                let ok = x.withUnsafeBufferPointer { px in
                    w.withUnsafeBufferPointer { pw in
                        expected.withUnsafeMutableBufferPointer { pe in
                            got.withUnsafeMutableBufferPointer { pg in
                                let b = bias?.withUnsafeBufferPointer { $0 }
                                let reference = ConvPointwise.run(x: px.baseAddress!, w: pw.baseAddress!, bias: b?.baseAddress,
                                                                  n: n, c: c, m: m, group: 1, pixels: pixels, y: pe.baseAddress!,
                                                                  epilogue: nil, level: PackedMatrix.level)
                                let transposed = ConvSmallMap.run(x: px.baseAddress!, packed: packed,
                                                                             bias: b?.baseAddress, n: n, pixels: pixels,
                                                                             y: pg.baseAddress!)
                                return reference && transposed
                            }
                        }
                    }
                }
                #expect(ok)
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(n) × \(c) → \(m) on \(pixels) pixels, bias \(withBias)")
            }
        }
    }

    /// x → Conv(W, B, attributes) → Relu → y.
    static func model(c: Int, m: Int, kernel: Int = 1, group: Int = 1,
                      attributes: [String: AttributeValue] = [:]) throws -> Model {
        var seed: UInt32 = 11
        let cg = c / group, size = m * cg * kernel * kernel
        var attrs = attributes
        if group > 1 { attrs["group"] = .int(group) }
        let g = Graph(name: "g", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                 attributes: attrs.sorted { $0.key < $1.key }.map { Attribute(name: $0.key, value: $0.value) }),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try f32([m, cg, kernel, kernel], Self.values(size, &seed))),
                                     ("B", try f32([m], Self.values(m, &seed, scale: 2)))])
        return Model(graph: g, opsetImports: ["": 17])
    }

    /// Fused (the transposed product where it is taken) against the unfused interpreter (the
    /// direct kernels), bit for bit (`exact`; else within rounding: OpenBLAS's order), and a run
    /// keeping the Conv's output (a kept chain) giving the fused run's bits.
    func check(_ model: Model, x: Tensor, taken: Bool, exact: Bool = true, _ label: String) throws {
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(yf.shape == yp.shape, "\(label)")
        if exact {
            #expect(try yf.scalars(of: Float.self).map(\.bitPattern) == yp.scalars(of: Float.self).map(\.bitPattern), "\(label)")
        } else {
            #expect(isClose(yf, yp, atol: 1e-5, rtol: 1e-5), "\(label)")
        }
        #expect(try yf.scalars(of: Float.self).allSatisfy { $0 >= 0 }, "the Relu ran: \(label)")
        #expect((fused.packedWeights["P:W"]?.isMade ?? false) == taken, "\(label)")
        let r = try fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "c"])
        #expect(try #require(r["y"]).asTensor().scalars(of: Float.self).map(\.bitPattern)
                == yf.scalars(of: Float.self).map(\.bitPattern), "\(label)")
    }

    @Test func planUsesThePackedWeightOnSmallMapsOnly() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 3
        for (c, m, hw, taken) in [(300, 200, 7, true), (200, 300, 14, true), (300, 200, 15, false), (300, 96, 7, false),
                                  (96, 300, 7, false)] {
            let x = try f32([1, c, hw, hw], Self.values(c * hw * hw, &seed, scale: 3))
            try check(try Self.model(c: c, m: m), x: x, taken: taken, "\(c) → \(m) on \(hw) × \(hw)")
        }
    }

    /// Pointwise convolutions on tiny maps (squeeze-and-excitation blocks) take the path from
    /// `tinyChannelsFrom` channels on; the same weights on larger maps keep their kernel.
    @Test func planTakesTinyMapsOfAnyWidth() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 9
        for (c, m, hw, taken) in [(576, 144, 1, true), (144, 576, 1, true), (16, 8, 1, true), (40, 96, 2, true),
                                  (576, 144, 3, false), (8, 4, 1, false), (4, 16, 1, false)] {
            let x = try f32([1, c, hw, hw], Self.values(c * hw * hw, &seed, scale: 3))
            try check(try Self.model(c: c, m: m), x: x, taken: taken, "\(c) → \(m) on \(hw) × \(hw)")
        }
        // A 1×1 weight wrapped for tiny maps, padded to a 3 × 3 output: set up, then left.
        let x = try f32([1, 16, 1, 1], Self.values(16, &seed))
        try check(try Self.model(c: 16, m: 24, attributes: ["pads": .ints([1, 1, 1, 1])]), x: x, taken: false, "padded")
    }

    @Test func otherGeometriesGatherTheirPatches() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 5
        let cases: [(c: Int, m: Int, kernel: Int, hw: Int, attributes: [String: AttributeValue], taken: Bool)] = [
            (300, 256, 3, 14, ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])], true), // stride 2 → 7×7, K over 2 blocks
            (24, 192, 3, 15, ["pads": .ints([2, 1, 0, 2]), "strides": .ints([2, 2])], true), // uneven pads → 8×8
            (16, 200, 5, 17, ["strides": .ints([2, 2])], true),                          // 5×5 valid → 7×7, K = 400
            (200, 200, 1, 14, ["strides": .ints([2, 2])], true),                          // strided 1×1 → 7×7
            (520, 200, 1, 13, ["strides": .ints([2, 2])], true),                          // ... K over three blocks
            // Stride 1 with taps: ConvDirect reads them in place.
            (40, 200, 3, 7, ["pads": .ints([1, 1, 1, 1])], false),
            // Dilated: the tap-weight kernel (PlanConvTapWeights.swift) wraps it and runs first.
            (24, 192, 3, 18, ["pads": .ints([2, 1, 0, 2]), "dilations": .ints([2, 2]), "strides": .ints([2, 2])], false),
            (16, 200, 3, 15, ["strides": .ints([2, 2])], false),                          // K = 144
            (40, 200, 3, 33, ["strides": .ints([2, 2])], false),                          // 256 pixels
        ]
        for t in cases {
            let x = try f32([2, t.c, t.hw, t.hw], Self.values(2 * t.c * t.hw * t.hw, &seed, scale: 3))
            // A strided 1×1 went through im2col and OpenBLAS unfused: other sums past one K block.
            let exact = t.kernel > 1 || t.c <= 256
            try check(try Self.model(c: t.c, m: t.m, kernel: t.kernel, attributes: t.attributes), x: x, taken: t.taken,
                      exact: exact, "\(t.c) → \(t.m), \(t.kernel)×\(t.kernel) on \(t.hw), \(t.attributes)")
        }
        // Groups keep the direct kernels.
        let x = try f32([1, 400, 7, 7], Self.values(400 * 49, &seed))
        try check(try Self.model(c: 400, m: 400, group: 2), x: x, taken: false, "two groups")
    }
}
