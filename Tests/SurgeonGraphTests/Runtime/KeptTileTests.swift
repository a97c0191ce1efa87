import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Kept chains after Conv / MatMul / Gemm written tile by tile by the kernel (PlanKeptTile.swift,
/// `KeptTileOffer`): with every value kept, each node's value is bit for bit what the node's
/// own kernel computes from the kept inputs (an unfused run of that node alone).
@Suite struct KeptTileTests {
    static func rnd(_ shape: [Int], seed: UInt32, scale: Float = 1) throws -> Tensor {
        let t = try ExecutionPlanTests.rnd(shape, seed: seed)
        return try f32(shape, t.scalars(of: Float.self).map { $0 * scale })
    }

    /// Runs `model` keeping every node output, then each node alone (nothing to fuse) on the kept
    /// values: every output must have the same bits. Returns the kept values.
    @discardableResult
    static func expectEveryValueExact(_ model: Model, feeds: [String: Value], streamKeptAfterBytes: Int? = nil) throws
        -> [String: Value] {
        let g = model.graph
        let all = g.nodes.flatMap(\.outputs).filter { !$0.isEmpty }
        let fused = Interpreter(model: model)
        if let streamKeptAfterBytes { fused.streamKeptAfterBytes = streamKeptAfterBytes }
        let kept = try fused.run(feeds: feeds, outputs: all)
        // Twice: the second run reuses the compiled plan.
        let again = try fused.run(feeds: feeds, outputs: all)
        for node in g.nodes {
            var inputs: [ValueInfo] = []
            var env: [String: Value] = [:]
            var inits: [(String, Tensor)] = []
            for name in node.inputs where !name.isEmpty {
                if let t = g.initializers[name] {
                    if !inits.contains(where: { $0.0 == name }) { inits.append((name, t)) }
                } else if env[name] == nil {
                    inputs.append(ValueInfo(name: name))
                    env[name] = kept[name] ?? feeds[name]
                }
            }
            let one = Model(graph: Graph(name: "one", nodes: [node], inputs: inputs, outputs: node.outputs.map { ValueInfo(name: $0) },
                                         initializers: inits), opsetImports: model.opsetImports)
            // A plan of one node fuses nothing; it makes the kernel choices every plan makes
            // (the packed weight of a product), which inspected values follow.
            let alone = Interpreter(model: one)
            let r = try alone.run(feeds: env)
            for name in node.outputs where !name.isEmpty {
                let a = try #require(kept[name]).asTensor(), b = try #require(r[name]).asTensor()
                let c = try #require(again[name]).asTensor()
                #expect(a.shape == b.shape && a.dtype == b.dtype, "\(name)")
                // Compared first: a failed #expect of two arrays describes their differences,
                // which for a large tensor takes minutes.
                let same = bytes(a) == bytes(b), sameAgain = bytes(c) == bytes(b)
                #expect(same, "\(name)")
                #expect(sameAgain, "\(name) (2nd run)")
            }
        }
        return kept
    }

    static func bytes(_ t: Tensor) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: t.rawPointer, count: t.byteCount))
    }

    static func conv(_ name: String, _ x: String, _ w: String, _ b: String?, _ y: String, pads: Int = 0, group: Int = 1,
                     stride: Int = 1) -> Node {
        Node(name: name, opType: "Conv", inputs: [x, w] + (b.map { [$0] } ?? []), outputs: [y],
             attributes: [Attribute(name: "pads", value: .ints([pads, pads, pads, pads])),
                          Attribute(name: "group", value: .int(group)),
                          Attribute(name: "strides", value: .ints([stride, stride]))])
    }

    /// Conv → Relu, Conv → Clip → HardSwish, depthwise Conv → Sigmoid, 1x1 Conv → Gelu → Relu,
    /// strided Conv → Add(skip) → Relu: the generic, packed, depthwise and pointwise paths.
    static func convNet(c: Int, m: Int) throws -> Model {
        let nodes = [
            conv("c1", "x", "W1", "B1", "c1", pads: 1),
            Node(name: "r1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
            conv("c2", "r1", "W2", nil, "c2", pads: 1),
            Node(name: "clip", opType: "Clip", inputs: ["c2", "lo", "hi"], outputs: ["k2"]),
            Node(name: "hs", opType: "HardSwish", inputs: ["k2"], outputs: ["h2"]),
            conv("dw", "h2", "Wd", "Bd", "d", pads: 1, group: m),
            Node(name: "sig", opType: "Sigmoid", inputs: ["d"], outputs: ["s"]),
            conv("pw", "s", "Wp", "Bp", "p"),
            Node(name: "gelu", opType: "Gelu", inputs: ["p"], outputs: ["g"]),
            Node(name: "r2", opType: "Relu", inputs: ["g"], outputs: ["r2"]),
            conv("c3", "r2", "W3", "B3", "c3", pads: 1, stride: 2),
            Node(name: "add", opType: "Add", inputs: ["c3", "skip"], outputs: ["a"]),
            Node(name: "r3", opType: "Relu", inputs: ["a"], outputs: ["y"]),
        ]
        let inits: [(String, Tensor)] = [
            ("W1", try rnd([m, c, 3, 3], seed: 1)), ("B1", try rnd([m], seed: 2)),
            ("W2", try rnd([m, m, 3, 3], seed: 3)),
            ("lo", Tensor(scalar: Float(-0.3))), ("hi", Tensor(scalar: Float(0.4))),
            ("Wd", try rnd([m, 1, 3, 3], seed: 4, scale: 3)), ("Bd", try rnd([m], seed: 5)),
            ("Wp", try rnd([m, m, 1, 1], seed: 6, scale: 2)), ("Bp", try rnd([m], seed: 7)),
            ("W3", try rnd([m, m, 3, 3], seed: 8)), ("B3", try rnd([m], seed: 9)),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x"), ValueInfo(name: "skip")],
                      outputs: [ValueInfo(name: "y")], initializers: inits)
        return Model(graph: g, opsetImports: ["": 20])
    }

    @Test func keptConvChainsAreExact() throws {
        // The last shape's rows are long enough for the streamed kept tiles (`TileEpilogue.applyStreamed`,
        // every chain streamed: `streamKeptAfterBytes` 0).
        for (n, c, m, h, w) in [(1, 3, 4, 5, 7), (2, 5, 16, 17, 19), (1, 8, 24, 33, 30), (1, 4, 8, 50, 46)] {
            let model = try Self.convNet(c: c, m: m)
            let x = try Self.rnd([n, c, h, w], seed: 20, scale: 3)
            let skip = try Self.rnd([n, m, (h + 1) / 2, (w + 1) / 2], seed: 21)
            let fused = Interpreter(model: model)
            let all = model.graph.nodes.flatMap(\.outputs)
            let plan = try fused.plan(keep: all, observing: false)
            // Every Conv offers its kept chain: [Relu], [Clip, HardSwish], [Sigmoid], [Gelu, Relu], and
            // c3's chain stops at the Add by a tensor (not per value).
            #expect(plan.steps.map { $0.keptTile?.count ?? 0 } == [1, 2, 1, 2, 0])
            let kept = try Self.expectEveryValueExact(model, feeds: ["x": .tensor(x), "skip": .tensor(skip)],
                                                      streamKeptAfterBytes: h > 40 ? 0 : nil)
            // The chains' results were written by the Conv kernels, into its result's buffer.
            for (first, later) in [("c1", "r1"), ("c2", "h2"), ("d", "s"), ("p", "r2")] {
                let a = try #require(kept[first]).asTensor(), b = try #require(kept[later]).asTensor()
                #expect(a.buffer === b.buffer, "\(first) → \(later)")
            }
            // The plain (fused) run gives the same output.
            let y = try #require(fused.run(feeds: ["x": .tensor(x), "skip": .tensor(skip)])["y"]).asTensor()
            #expect(try y.scalars(of: Float.self) == kept["y"]?.asTensor().scalars(of: Float.self))
        }
    }

    /// SiLU as exported (Sigmoid, then Mul of the Conv's / MatMul's result by it, either order)
    /// and HardSigmoid's gate, every value kept: the kernel writes the activation and the
    /// product (`TileEpilogue.Map.head`) tile by tile, bit for bit the unfused nodes' values.
    @Test func keptGatesAreExact() throws {
        for (n, c, m, h, w) in [(1, 3, 4, 5, 7), (2, 5, 16, 17, 19)] {
            let g = Graph(name: "g", nodes: [
                Self.conv("c1", "x", "W1", "B1", "c1", pads: 1),
                Node(name: "s1", opType: "Sigmoid", inputs: ["c1"], outputs: ["s1"]),
                Node(name: "m1", opType: "Mul", inputs: ["c1", "s1"], outputs: ["m1"]),
                Self.conv("dw", "m1", "Wd", "Bd", "d", pads: 1, group: m),
                Node(name: "s2", opType: "HardSigmoid", inputs: ["d"], outputs: ["s2"]),
                Node(name: "m2", opType: "Mul", inputs: ["s2", "d"], outputs: ["m2"]),
                Node(name: "r", opType: "Relu", inputs: ["m2"], outputs: ["r"]),
                Node(name: "mm", opType: "MatMul", inputs: ["r", "V"], outputs: ["p"]),
                Node(name: "s3", opType: "Sigmoid", inputs: ["p"], outputs: ["s3"]),
                Node(name: "m3", opType: "Mul", inputs: ["p", "s3"], outputs: ["y"]),
            ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                          initializers: [("W1", try Self.rnd([m, c, 3, 3], seed: 60)), ("B1", try Self.rnd([m], seed: 61)),
                                         ("Wd", try Self.rnd([m, 1, 3, 3], seed: 62, scale: 3)), ("Bd", try Self.rnd([m], seed: 63)),
                                         ("V", try Self.rnd([w, 40], seed: 64))])
            let model = Model(graph: g, opsetImports: ["": 20])
            let x = try Self.rnd([n, c, h, w], seed: 65, scale: 3)
            let all = g.nodes.flatMap(\.outputs)
            let plan = try Interpreter(model: model).plan(keep: all, observing: false)
            // Conv: [Sigmoid, Mul]; depthwise Conv: [HardSigmoid, Mul, Relu]; MatMul: [Sigmoid, Mul].
            #expect(plan.steps.map(\.epilogues.count) == [2, 3, 2])
            #expect(plan.steps[0].keptTile?.count == 2 && plan.steps[1].keptTile?.count == 3)
            if PackedMatrix.isFast { #expect(plan.steps[2].keptTile?.count == 2) }
            let kept = try Self.expectEveryValueExact(model, feeds: ["x": .tensor(x)])
            for (first, later) in [("c1", "m1"), ("d", "r")] {
                let a = try #require(kept[first]).asTensor(), b = try #require(kept[later]).asTensor()
                #expect(a.buffer === b.buffer, "\(first) → \(later)")
            }
            // Not kept: the plain plan fuses each gate in place, and gives the same output.
            let fused = Interpreter(model: model)
            let plainPlan = try fused.plan(keep: ["y"], observing: false)
            #expect(plainPlan.steps.map(\.epilogues.count) == [1, 2, 1])
            #expect(!plainPlan.steps.contains { $0.keepsIntermediates })
            let y = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            #expect(Self.bytes(y) == Self.bytes(try #require(kept["y"]).asTensor()))
        }
    }

    /// Half weights and a float16 input are not taken (the Conv kernel runs, then the chain).
    @Test func halfConvFallsBackToTheChain() throws {
        let g = Graph(name: "g", nodes: [
            Self.conv("c", "x", "W", nil, "c", pads: 1),
            Node(name: "r", opType: "Relu", inputs: ["c"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", try Self.rnd([3, 2, 3, 3], seed: 30).cast(to: .float16))])
        let model = Model(graph: g, opsetImports: ["": 20])
        let x = try Self.rnd([1, 2, 6, 6], seed: 31).cast(to: .float16)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let r = try fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "c"])
        let p = try plain.run(feeds: ["x": .tensor(x)], outputs: ["y", "c"])
        for name in ["y", "c"] {
            let a = try #require(r[name]).asTensor(), b = try #require(p[name]).asTensor()
            #expect(a.dtype == .float16)
            #expect(try a.cast(to: .float32).scalars(of: Float.self) == b.cast(to: .float32).scalars(of: Float.self), "\(name)")
        }
    }

    /// MatMul → Add(bias row) → Gelu → Mul(gamma row) and Gemm(C) → Relu, Gemm → Clip, every
    /// value kept: the packed products write the chains (when the packed kernel runs).
    @Test func keptProductChainsAreExact() throws {
        for (rows, k, n) in [(197, 70, 300), (6, 33, 65), (130, 8, 1)] {
            let g = Graph(name: "g", nodes: [
                Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["m"]),
                Node(name: "add", opType: "Add", inputs: ["m", "bias"], outputs: ["a"]),
                Node(name: "gelu", opType: "Gelu", inputs: ["a"], outputs: ["g"]),
                Node(name: "mul", opType: "Mul", inputs: ["gamma", "g"], outputs: ["y"]),
                Node(name: "gemm", opType: "Gemm", inputs: ["x", "W", "bias"], outputs: ["e"]),
                Node(name: "relu", opType: "Relu", inputs: ["e"], outputs: ["z"]),
                Node(name: "gemm2", opType: "Gemm", inputs: ["x", "V"], outputs: ["f"],
                     attributes: [Attribute(name: "transB", value: .int(1))]),
                Node(name: "clip", opType: "Clip", inputs: ["f", "lo", "hi"], outputs: ["u"]),
            ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y"), ValueInfo(name: "z"), ValueInfo(name: "u")],
                          initializers: [("W", try Self.rnd([k, n], seed: 41)), ("bias", try Self.rnd([n], seed: 42, scale: 4)),
                                         ("gamma", try Self.rnd([n], seed: 43)), ("V", try Self.rnd([n, k], seed: 44)),
                                         ("lo", Tensor(scalar: Float(-0.3))), ("hi", Tensor(scalar: Float(0.4)))])
            let model = Model(graph: g, opsetImports: ["": 20])
            let x = try Self.rnd([rows, k], seed: 45, scale: 3)
            let all = g.nodes.flatMap(\.outputs)
            let plan = try Interpreter(model: model).plan(keep: all, observing: false)
            #expect(plan.steps.map { $0.keptTile?.count ?? 0 } == [3, 1, 1], "\(rows)x\(k)x\(n)")
            let kept = try Self.expectEveryValueExact(model, feeds: ["x": .tensor(x)])
            if PackedMatrix.isFast {
                for (p, later) in [("m", "y"), ("e", "z"), ("f", "u")] {
                    let a = try #require(kept[p]).asTensor(), b = try #require(kept[later]).asTensor()
                    #expect(a.buffer === b.buffer, "\(p) → \(later)")
                }
            }
        }
    }

    /// DynamicQuantizeLinear → ConvInteger → Cast → Mul(scale) → Add(per-channel bias) → Clip
    /// (onnxruntime's dynamic quantization), every value kept: the Cast leads the ConvInteger's
    /// kept chain (converted while the int32 result is read) and every value is exact.
    @Test(arguments: [(9, 11), (40, 45)])
    func keptConvIntegerCastChainIsExact(h: Int, w wide: Int) throws {
        // 40 x 45: planes long enough for the streamed chunks of `runKeptEpilogues` (every
        // chain streamed: `streamKeptAfterBytes` 0).
        let m = 6
        let w = try Tensor(shape: [m, 3, 3, 3], scalars: (0..<(m * 27)).map { Int8(truncatingIfNeeded: ($0 * 37) % 255 - 127) })
        let g = Graph(name: "g", nodes: [
            Node(name: "dq", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["q", "s", "z"]),
            Node(name: "ms", opType: "Mul", inputs: ["s", "ws"], outputs: ["scale"]),
            Node(name: "ci", opType: "ConvInteger", inputs: ["q", "W", "z", "wz"], outputs: ["i"],
                 attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            Node(name: "cast", opType: "Cast", inputs: ["i"], outputs: ["f"], attributes: [Attribute(name: "to", value: .int(1))]),
            Node(name: "mul", opType: "Mul", inputs: ["f", "scale"], outputs: ["ml"]),
            Node(name: "add", opType: "Add", inputs: ["ml", "bias"], outputs: ["a"]),
            Node(name: "clip", opType: "Clip", inputs: ["a", "lo", "hi"], outputs: ["y"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("W", w), ("wz", Tensor(scalar: Int8(0))), ("ws", Tensor(scalar: Float(0.02))),
                                     ("bias", try Self.rnd([1, m, 1, 1], seed: 50)),
                                     ("lo", Tensor(scalar: Float(0))), ("hi", Tensor(scalar: Float(6)))])
        let model = Model(graph: g, opsetImports: ["": 20])
        let x = try Self.rnd([2, 3, h, wide], seed: 51, scale: 4)
        let all = g.nodes.flatMap(\.outputs)
        let plan = try Interpreter(model: model).plan(keep: all, observing: false)
        let ci = try #require(plan.steps.first { $0.node.opType == "ConvInteger" })
        #expect(ci.keepsIntermediates)
        #expect(ci.epilogues.count == 4, "Cast, Mul, Add, Clip")
        let kept = try Self.expectEveryValueExact(model, feeds: ["x": .tensor(x)], streamKeptAfterBytes: h > 20 ? 0 : nil)
        // The chain's results share one buffer (the chunked pass wrote them).
        let f = try #require(kept["f"]).asTensor(), yv = try #require(kept["y"]).asTensor()
        #expect(f.buffer === yv.buffer)
        #expect(try #require(kept["i"]).asTensor().dtype == .int32)
        // Not kept: ConvInteger → Cast is one step (PlanConvIntegerCast.swift), same output.
        let y = try #require(Interpreter(model: model).run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        #expect(Self.bytes(y) == Self.bytes(yv))
    }
}
