import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// A QDQ Conv (8-bit activations, int8 weights) run on the integers (VNNI) against the
/// float32 convolution of the dequantized values.
@Suite(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
struct QuantizedConvTests {
    static func values(_ n: Int, seed: UInt32, scale: Float) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 1664525 &+ 1013904223
            return (Float(s >> 8) / Float(1 << 24) - 0.5) * scale
        }
    }

    /// x → Q → DQ → Conv(DQ(wq), DQ(bq)) → Relu → y, plus Add(xd, ...) when `shareInput`.
    static func net(type: DType, m: Int, c: Int, k: Int, attributes: [Attribute], perChannel: Bool,
                    weightZero: Int64 = 0, shareInput: Bool = false) throws -> Model {
        let signed = type == .int8
        let wCount = m * c * k * k
        let wq = values(wCount, seed: 11, scale: 254).map { Int64($0.rounded()) }
        let scales = perChannel ? values(m, seed: 4, scale: 0.01).map { abs($0) + 0.001 } : [Float(0.004)]
        var inits: [(String, Tensor)] = [
            ("wq", try Tensor(int64s: wq, shape: [m, c, k, k], dtype: .int8)),
            ("ws", try Tensor(shape: [scales.count], scalars: scales)),
            ("wz", try Tensor(int64s: Array(repeating: weightZero, count: scales.count), shape: [scales.count], dtype: .int8)),
            ("bq", try Tensor(int64s: values(m, seed: 8, scale: 2000).map { Int64($0.rounded()) }, shape: [m], dtype: .int32)),
            ("bs", try Tensor(shape: [m], scalars: scales.count == 1 ? Array(repeating: scales[0] * 0.05, count: m) : scales.map { $0 * 0.05 })),
            ("sx", Tensor(scalar: Float(0.05))),
            ("zx", try Tensor(int64s: [signed ? -9 : 121], shape: [], dtype: type)),
        ]
        inits.append(("bz", try Tensor(int64s: Array(repeating: 0, count: m), shape: [m], dtype: .int32)))
        var nodes = [
            Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "sx", "zx"], outputs: ["xq"]),
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "sx", "zx"], outputs: ["xd"]),
            Node(name: "dqw", opType: "DequantizeLinear", inputs: ["wq", "ws", "wz"], outputs: ["w"],
                 attributes: [Attribute(name: "axis", value: .int(0))]),
            Node(name: "dqb", opType: "DequantizeLinear", inputs: ["bq", "bs", "bz"], outputs: ["b"],
                 attributes: [Attribute(name: "axis", value: .int(0))]),
            Node(name: "conv", opType: "Conv", inputs: ["xd", "w", "b"], outputs: ["c"], attributes: attributes),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ]
        var outputs = [ValueInfo(name: "y")]
        if shareInput {
            nodes.append(Node(name: "neg", opType: "Neg", inputs: ["xd"], outputs: ["n"]))
            outputs.append(ValueInfo(name: "n"))
        }
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: outputs, initializers: inits)
        return Model(graph: g, opsetImports: ["": 21])
    }

    static func compare(_ model: Model, xShape: [Int], outputs: [String] = ["y"]) throws -> (fused: Interpreter, maxError: Float) {
        let x = try f32(xShape, values(xShape.reduce(1, *), seed: 3, scale: 14))
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let rf = try fused.run(feeds: ["x": .tensor(x)], outputs: outputs)
        let rp = try plain.run(feeds: ["x": .tensor(x)], outputs: outputs)
        var worst: Float = 0
        for name in outputs {
            let a = try #require(rf[name]).asTensor().scalars(of: Float.self)
            let b = try #require(rp[name]).asTensor().scalars(of: Float.self)
            #expect(a.count == b.count)
            let scale = max(b.map { abs($0) }.max() ?? 0, 1e-6)
            for (u, v) in zip(a, b) { worst = max(worst, abs(u - v) / scale) }
            #expect(Set(b).count > 10, "the test must see varied outputs")
        }
        return (fused, worst)
    }

    @Test(arguments: [DType.uint8, .int8])
    func integerConvMatchesFloatConv(type: DType) throws {
        let cases: [(m: Int, c: Int, k: Int, attrs: [Attribute], x: [Int], perChannel: Bool)] = [
            (16, 3, 3, [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))], [2, 3, 9, 11], true),
            (9, 5, 3, [Attribute(name: "strides", value: .ints([2, 2])), Attribute(name: "pads", value: .ints([1, 0, 2, 1]))], [1, 5, 13, 10], false),
            (40, 8, 1, [], [1, 8, 7, 7], true),
            (7, 4, 3, [Attribute(name: "dilations", value: .ints([2, 1])), Attribute(name: "pads", value: .ints([2, 1, 2, 1]))], [1, 4, 12, 12], true),
            (5, 3, 3, [Attribute(name: "dilations", value: .ints([1, 3])), Attribute(name: "pads", value: .ints([0, 3, 1, 2]))], [1, 3, 7, 9], true),
            (33, 6, 5, [Attribute(name: "strides", value: .ints([3, 1])), Attribute(name: "pads", value: .ints([2, 2, 2, 2]))], [1, 6, 8, 40], true),
            // Whole 4-channel groups: the taps read in place (`indirection`), padding included.
            (16, 8, 3, [Attribute(name: "strides", value: .ints([2, 2])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))], [2, 8, 11, 9], true),
            (35, 12, 3, [Attribute(name: "pads", value: .ints([0, 1, 2, 1])), Attribute(name: "dilations", value: .ints([2, 1]))], [1, 12, 10, 13], false),
            (8, 16, 1, [Attribute(name: "strides", value: .ints([2, 2]))], [1, 16, 9, 9], true),
        ]
        for cs in cases {
            let model = try Self.net(type: type, m: cs.m, c: cs.c, k: cs.k, attributes: cs.attrs, perChannel: cs.perChannel)
            let (fused, err) = try Self.compare(model, xShape: cs.x)
            #expect(err < 2e-6, "\(type) \(cs.m)×\(cs.c)×\(cs.k)")
            // Q, then the Conv reading the integers (Relu as its epilogue); DQ gone.
            let plan = try fused.plan(keep: ["y"], observing: false)
            #expect(plan.steps.map(\.node.opType) == ["QuantizeLinear", "Conv"])
            #expect(plan.steps.last?.node.inputs.first == "xq")
            #expect(plan.steps.last?.epilogues.count == 1)
        }
    }

    /// One interpreter run again and again on inputs of other sizes (the indirection table made
    /// again for each, reused when the size and buffers repeat): every result has the bits of a
    /// fresh interpreter's run.
    @Test func repeatedRunsOnOtherSizesKeepTheBits() throws {
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let model = try Self.net(type: .uint8, m: 24, c: 8, k: 3, attributes: attrs, perChannel: true)
        let reused = Interpreter(model: model)
        for shape in [[1, 8, 12, 12], [1, 8, 12, 12], [2, 8, 7, 9], [1, 8, 12, 12], [1, 8, 5, 16], [2, 8, 7, 9]] {
            let x = try f32(shape, Self.values(shape.reduce(1, *), seed: UInt32(shape.reduce(0, +)), scale: 14))
            let a = try #require(reused.run(feeds: ["x": .tensor(x)])["y"]).asTensor().scalars(of: Float.self)
            let b = try #require(Interpreter(model: model).run(feeds: ["x": .tensor(x)])["y"]).asTensor().scalars(of: Float.self)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(shape)")
            #expect(Set(a).count > 10)
        }
    }

    @Test func sharedOrKeptDequantizedInputStays() throws {
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let model = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: true, shareInput: true)
        let (fused, err) = try Self.compare(model, xShape: [1, 3, 6, 6], outputs: ["y", "n"])
        #expect(err < 2e-6)
        let plan = try fused.plan(keep: ["y", "n"], observing: false)
        #expect(plan.steps.map(\.node.opType).contains("DequantizeLinear"))
        #expect(plan.steps.first { $0.node.opType == "Conv" }?.node.inputs.first == "xq")
        // Kept: the DequantizeLinear output is still computed, exactly.
        let plain = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: true)
        let (f2, err2) = try Self.compare(plain, xShape: [1, 3, 6, 6], outputs: ["y", "xd"])
        #expect(err2 == 0 || err2 < 2e-6)
        let p2 = try f2.plan(keep: ["y", "xd"], observing: false)
        #expect(p2.steps.map(\.node.opType).contains("DequantizeLinear"))
    }

    @Test func nonzeroWeightZeroPointOrObserverKeepsTheFloatConv() throws {
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let model = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: true, weightZero: 3)
        let (fused, err) = try Self.compare(model, xShape: [1, 3, 6, 6])
        #expect(err < 2e-6)
        let plan = try fused.plan(keep: ["y"], observing: false)
        #expect(plan.steps.first { $0.node.opType == "Conv" }?.node.inputs.first == "xd")
        let m2 = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: true)
        let observed = try Interpreter(model: m2).plan(keep: ["y"], observing: true)
        #expect(observed.steps.first { $0.node.opType == "Conv" }?.node.inputs.first == "xd")
    }

    @Test func wrongRuntimeTypeFallsBackToTheKernels() throws {
        // The plan expects uint8 for xq; feeding xq directly as int8 runs DQ + Conv as written.
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        var model = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: true)
        model.graph.nodes.removeFirst()
        model.graph.inputs = [ValueInfo(name: "xq")]
        let xq = try Tensor(int64s: (0..<(3 * 36)).map { Int64($0 % 250) }, shape: [1, 3, 6, 6], dtype: .uint8)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let a = try #require(fused.run(feeds: ["xq": .tensor(xq)])["y"]).asTensor().scalars(of: Float.self)
        let b = try #require(plain.run(feeds: ["xq": .tensor(xq)])["y"]).asTensor().scalars(of: Float.self)
        let scale = b.map { abs($0) }.max() ?? 1
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 2e-6 * scale })
        let bad = try Tensor(int64s: (0..<(3 * 36)).map { Int64($0 % 100) }, shape: [1, 3, 6, 6], dtype: .int8)
        // An int8 tensor where the plan expects uint8: the fused step runs DequantizeLinear + Conv
        // as written, so the result is the unfused one bit for bit.
        let fb = try #require(fused.run(feeds: ["xq": .tensor(bad)])["y"]).asTensor().scalars(of: Float.self)
        let pb = try #require(plain.run(feeds: ["xq": .tensor(bad)])["y"]).asTensor().scalars(of: Float.self)
        #expect(fb.map(\.bitPattern) == pb.map(\.bitPattern))
    }
}

extension QuantizedConvTests {
    /// A plain run of the rewritten Conv never makes the float32 weights (the DequantizeLinear
    /// of the int8 weights is not folded: the step reads the packed copy); an observed run
    /// afterwards folds them and sees exactly the unfused values.
    @Test func plainPlanHoldsNoFloatWeightsAndObservedRunRebuildsThem() throws {
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let model = try Self.net(type: .uint8, m: 16, c: 3, k: 3, attributes: attrs, perChannel: true)
        let (fused, err) = try Self.compare(model, xShape: [1, 3, 9, 9])
        #expect(err < 2e-6)
        let plan = try fused.plan(keep: ["y"], observing: false)
        let floatWeights = plan.constants.contains {
            if case .tensor(let t) = $0.value { return t.dtype == .float32 && t.shape == [16, 3, 3, 3] }
            return false
        }
        #expect(!floatWeights, "the plain plan keeps a float32 copy of the weights")
        #expect(!plan.steps.contains { $0.node.opType == "DequantizeLinear" })
        let dqw = try #require(model.graph.nodes.firstIndex { $0.name == "dqw" })
        #expect(fused.foldCache[dqw] == nil)
        // Observed: every node reported, the weights exactly as the unfused interpreter has them.
        let x = try f32([1, 3, 9, 9], Self.values(243, seed: 3, scale: 14))
        var seen: [String: Tensor] = [:]
        _ = try fused.run(feeds: ["x": .tensor(x)], observer: { ev in
            for (name, v) in ev.outputs { if case .tensor(let t) = v { seen[name] = t } }
        })
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let ref = try plain.run(feeds: ["x": .tensor(x)], outputs: ["w", "y"])
        let w = try #require(seen["w"]).scalars(of: Float.self)
        #expect(try w.map(\.bitPattern) == #require(ref["w"]).asTensor().scalars(of: Float.self).map(\.bitPattern))
        #expect(Set(w).count > 10)
        let y = try #require(seen["y"]).scalars(of: Float.self)
        #expect(try y.map(\.bitPattern) == #require(ref["y"]).asTensor().scalars(of: Float.self).map(\.bitPattern))
    }

    /// Weights also read by another node (here kept as an output) are folded as before.
    @Test func weightsReadElsewhereAreStillFolded() throws {
        let attrs = [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let model = try Self.net(type: .uint8, m: 8, c: 3, k: 3, attributes: attrs, perChannel: false)
        let (fused, err) = try Self.compare(model, xShape: [1, 3, 6, 6], outputs: ["y", "w"])
        #expect(err < 2e-6)
        let plan = try fused.plan(keep: ["y", "w"], observing: false)
        #expect(plan.constants.contains {
            if case .tensor(let t) = $0.value { return t.dtype == .float32 && t.shape == [8, 3, 3, 3] }
            return false
        })
        #expect(plan.steps.first { $0.node.opType == "Conv" }?.node.inputs.first == "xq")
    }

    /// The kernel dequantizing its sums into the output planes (the default) against the
    /// int32 matrix and `dequantize`'s pass: the same bits, for the indirect product (channels
    /// in groups of 4), the im2col one (3 channels), strides, pads, batches, and channel /
    /// position counts off the kernel's 32 × 8 tiles.
    @Test(.enabled(if: QGemm.available, "needs AVX-512 VNNI"))
    func kernelDequantizationMatchesTheSeparatePass() throws {
        var seed: UInt32 = 11
        func next() -> UInt32 { seed = seed &* 1664525 &+ 1013904223; return seed >> 9 }
        for (n, c, m, k, hw, stride, pad) in [(1, 8, 32, 3, 8, 1, 1), (2, 3, 20, 3, 9, 2, 1), (1, 64, 70, 1, 7, 1, 0),
                                              (1, 16, 48, 3, 13, 2, 0), (2, 4, 5, 3, 5, 1, 2)] {
            let signed = c % 2 == 1
            let wq = (0..<(m * c * k * k)).map { _ in Int8(truncatingIfNeeded: next()) }
            let scale = (0..<m).map { Float(0.0031 + 0.0002 * Float($0)) }
            let bias = (0..<m).map { Float($0 % 5) * 0.21 - 0.4 }
            let conv = try QuantizedConv(wq: wq, shape: [m, c, k, k], scale: scale, bias: bias, zeroPoint: signed ? -3 : 17,
                                         signed: signed)
            let node = Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                            attributes: [Attribute(name: "pads", value: .ints([pad, pad, pad, pad])),
                                         Attribute(name: "strides", value: .ints([stride, stride]))])
            let xq = try Tensor(int64s: (0..<(n * c * hw * hw)).map { _ in Int64(next() % 256) - (signed ? 128 : 0) },
                                shape: [n, c, hw, hw], dtype: signed ? .int8 : .uint8)
            let w = try Tensor(int64s: wq.map { Int64($0) }, shape: [m, c, k, k], dtype: .int8)
            let ctx = OpContext(node: node, inputs: [.tensor(xq), .tensor(w)], opset: 20, subgraphRunner: noSubgraphs)
            let fused = try #require(try conv.run(ctx: ctx, xq: xq, fuseDequantize: true)).scalars(of: Float.self)
            let separate = try #require(try conv.run(ctx: ctx, xq: xq, fuseDequantize: false)).scalars(of: Float.self)
            #expect(fused.map(\.bitPattern) == separate.map(\.bitPattern), "n \(n) c \(c) m \(m) k \(k) hw \(hw) s \(stride)")
            #expect(Set(separate).count > separate.count / 4, "the outputs must vary")
        }
    }
}
