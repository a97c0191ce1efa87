import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Pointwise convolutions by a constant weight on small maps through the transposed product
/// (PlanPointwiseWeights.swift, `ConvPointwiseTransposed`): the same bits as `ConvPointwise`,
/// the kernel of every other plan, for maps up to `pixelsUpTo`, input channels across the
/// 256-channel blocks, output channels across the 32-column panels, with and without a bias
/// and batches; and in a plan, the weight packed once and the fused Relu applied.
@Suite struct PointwiseWeightTests {
    static func values(_ n: Int, _ seed: inout UInt32, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in
            seed = seed &* 1664525 &+ 1013904223
            return (Float(seed >> 8) / Float(1 << 24) - 0.5) * scale
        }
    }

    @Test func transposedProductIsConvPointwiseBitForBit() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 7
        // (batch, input channels, output channels, pixels)
        let cases = [(1, 40, 240, 196), (1, 1152, 320, 49), (2, 300, 45, 7), (1, 3, 32, 1), (1, 512, 1000, 169),
                     (1, 600, 77, 256), (3, 17, 64, 13)]
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
                                let transposed = ConvPointwiseTransposed.run(x: px.baseAddress!, packed: packed,
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

    /// x → Conv(1×1, W, B) → Relu → y, with x of `[1, c, h, w]`.
    static func model(c: Int, m: Int, kernel: Int = 1) throws -> Model {
        var seed: UInt32 = 11
        let g = Graph(name: "g", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try f32([m, c, kernel, kernel], Self.values(m * c * kernel * kernel, &seed))),
                                     ("B", try f32([m], Self.values(m, &seed, scale: 2)))])
        return Model(graph: g, opsetImports: ["": 17])
    }

    @Test func planUsesThePackedWeightOnSmallMapsOnly() throws {
        guard PackedMatrix.isFast else { return }
        var seed: UInt32 = 3
        for (c, m, hw, taken) in [(300, 200, 7, true), (200, 300, 14, true), (300, 200, 15, false), (300, 96, 7, false),
                                  (96, 300, 7, false)] {
            let model = try Self.model(c: c, m: m)
            let x = try f32([1, c, hw, hw], Self.values(c * hw * hw, &seed, scale: 3))
            let fused = Interpreter(model: model), plain = Interpreter(model: model)
            plain.fusionEnabled = false
            let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(yf.shape == [1, m, hw, hw])
            #expect(try yf.scalars(of: Float.self).map(\.bitPattern) == yp.scalars(of: Float.self).map(\.bitPattern), "\(hw)")
            #expect(try yf.scalars(of: Float.self).allSatisfy { $0 >= 0 }, "the Relu ran")
            #expect((fused.packedWeights["P:W"]?.isMade ?? false) == taken, "\(c) → \(m) on \(hw) × \(hw)")
            // Observed (inspect all): the same product, the Relu as its own node.
            let r = try fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "c"])
            #expect(try #require(r["y"]).asTensor().scalars(of: Float.self).map(\.bitPattern)
                    == yf.scalars(of: Float.self).map(\.bitPattern))
        }
        // A 3×3 weight is not pointwise.
        let model = try Self.model(c: 200, m: 200, kernel: 3)
        let fused = Interpreter(model: model)
        _ = try fused.run(feeds: ["x": .tensor(try f32([1, 200, 7, 7], Self.values(200 * 49, &seed)))])
        #expect(fused.packedWeights["P:W"] == nil)
    }
}
