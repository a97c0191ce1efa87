import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// A Conv's per-value epilogues (Relu, Clip, SiLU, HardSwish, HardSigmoid, Gelu, fake-quantize)
/// applied by the Conv kernel tile by tile give the plain node-by-node run's bits, on every
/// convolution path: pointwise (batch blocks or groups shared among threads, or one product
/// with the epilogue's rows split), im2col 2-D (several row tiles, groups, strides,
/// dilations), 1-D, 3-D, depthwise (several bands, strides, 1-D), with and without a bias,
/// batch 2.
@Suite struct TileEpilogueTests {
    struct Case {
        let name: String
        let x: [Int], w: [Int]
        var group = 1
        var pads: [Int]? = nil, strides: [Int]? = nil, dilations: [Int]? = nil
    }

    static let cases: [Case] = [
        Case(name: "pointwise, tall", x: [2, 5, 13, 13], w: [1100, 5, 1, 1]),
        // Batch 1, one group: the epilogue's rows split among the threads.
        Case(name: "pointwise, wide", x: [1, 3, 200, 200], w: [8, 3, 1, 1]),
        Case(name: "pointwise, groups", x: [2, 6, 9, 11], w: [4, 3, 1, 1], group: 2),
        // 1800 column rows, 20 wide: 4 tiles of 13 output rows.
        Case(name: "im2col, tiles", x: [2, 200, 40, 20], w: [6, 200, 3, 3], pads: [1, 1, 1, 1]),
        Case(name: "im2col, groups", x: [2, 4, 7, 6], w: [6, 2, 3, 2], group: 2, pads: [1, 0, 2, 1], strides: [2, 1], dilations: [1, 2]),
        Case(name: "1-D", x: [2, 2, 9], w: [3, 2, 3], pads: [2, 1], strides: [2], dilations: [2]),
        Case(name: "3-D", x: [2, 2, 4, 3, 5], w: [2, 1, 2, 2, 3], group: 2, pads: [0, 1, 1, 1, 0, 0], strides: [1, 2, 1], dilations: [1, 1, 2]),
        // 300 rows of ~160 padded floats: two bands.
        Case(name: "depthwise, bands", x: [2, 3, 300, 150], w: [3, 1, 3, 3], group: 3, pads: [1, 1, 1, 1]),
        Case(name: "depthwise, stride 2", x: [1, 8, 17, 33], w: [8, 1, 5, 5], group: 8, pads: [2, 2, 2, 2], strides: [2, 2]),
        Case(name: "depthwise 1-D", x: [2, 4, 11], w: [4, 1, 3], group: 4, pads: [1, 1]),
    ]

    /// Nodes after the Conv (reading "c", writing "y") and the initializers they need.
    struct Tail {
        let name: String
        let nodes: [Node]
        var inits: [(String, Tensor)] = []
        /// Leading epilogues the kernel should take.
        let tiled: Int
    }

    static func tails() throws -> [Tail] {
        [
            Tail(name: "silu", nodes: [Node(name: "s", opType: "Sigmoid", inputs: ["c"], outputs: ["s"]),
                                       Node(name: "m", opType: "Mul", inputs: ["c", "s"], outputs: ["y"])], tiled: 1),
            Tail(name: "relu", nodes: [Node(name: "r", opType: "Relu", inputs: ["c"], outputs: ["y"])], tiled: 1),
            Tail(name: "clip", nodes: [Node(name: "k", opType: "Clip", inputs: ["c", "lo", "hi"], outputs: ["y"])],
                 inits: [("lo", try f32([], [0])), ("hi", try f32([], [6]))], tiled: 1),
            Tail(name: "hardswish", nodes: [Node(name: "h", opType: "HardSwish", inputs: ["c"], outputs: ["y"])], tiled: 1),
            Tail(name: "hardsigmoid", nodes: [Node(name: "h", opType: "HardSigmoid", inputs: ["c"], outputs: ["y"],
                                                   attributes: [Attribute(name: "alpha", value: .float(0.3))])], tiled: 1),
            Tail(name: "gelu", nodes: [Node(name: "g", opType: "Gelu", inputs: ["c"], outputs: ["y"])], tiled: 1),
            Tail(name: "relu, sigmoid", nodes: [Node(name: "r", opType: "Relu", inputs: ["c"], outputs: ["r"]),
                                                Node(name: "s", opType: "Sigmoid", inputs: ["r"], outputs: ["y"])], tiled: 2),
            Tail(name: "fake-quantize", nodes: [Node(name: "q", opType: "QuantizeLinear", inputs: ["c", "qs", "qz"], outputs: ["q"]),
                                                Node(name: "d", opType: "DequantizeLinear", inputs: ["q", "qs", "qz"], outputs: ["y"])],
                 inits: [("qs", try f32([], [0.05])), ("qz", try Tensor(shape: [], scalars: [UInt8(128)]))], tiled: 1),
            // A binary op first: nothing goes to the kernel.
            Tail(name: "add, relu", nodes: [Node(name: "a", opType: "Add", inputs: ["c", "k"], outputs: ["a"]),
                                            Node(name: "r", opType: "Relu", inputs: ["a"], outputs: ["y"])],
                 inits: [("k", try f32([], [0.25]))], tiled: 0),
            // The kernel takes the Sigmoid; the Add stays with the plan.
            Tail(name: "sigmoid, add", nodes: [Node(name: "s", opType: "Sigmoid", inputs: ["c"], outputs: ["s"]),
                                               Node(name: "a", opType: "Add", inputs: ["s", "k"], outputs: ["y"])],
                 inits: [("k", try f32([], [0.25]))], tiled: 1),
        ]
    }

    static func model(_ c: Case, bias: Bool, tail: Tail, dtype: DType = .float32) throws -> Model {
        var attrs = [Attribute(name: "group", value: .int(c.group))]
        if let p = c.pads { attrs.append(Attribute(name: "pads", value: .ints(p))) }
        if let s = c.strides { attrs.append(Attribute(name: "strides", value: .ints(s))) }
        if let d = c.dilations { attrs.append(Attribute(name: "dilations", value: .ints(d))) }
        var inits: [(String, Tensor)] = [("W", try ExecutionPlanTests.rnd(c.w, seed: 31).cast(to: dtype))]
        if bias { inits.append(("B", try ExecutionPlanTests.rnd([c.w[0]], seed: 32).cast(to: dtype))) }
        let conv = Node(name: "conv", opType: "Conv", inputs: bias ? ["x", "W", "B"] : ["x", "W"], outputs: ["c"], attributes: attrs)
        let g = Graph(name: "g", nodes: [conv] + tail.nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: inits + tail.inits)
        return Model(graph: g, opsetImports: ["": 20])
    }

    /// Conv outputs spread over about [-8, 8]: every activation sees both sides.
    static func input(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        let t = try ExecutionPlanTests.rnd(shape, seed: 33)
        return try f32(shape, t.scalars(of: Float.self).map { $0 * 6 }).cast(to: dtype)
    }

    static func bits(_ t: Tensor) throws -> [UInt32] {
        try t.cast(to: .float32).scalars(of: Float.self).map(\.bitPattern)
    }

    /// Runs `m` fused and node by node; expects the same bits; returns the fused plan.
    @discardableResult
    static func check(_ m: Model, x: Tensor, keep: [String] = ["y"], _ what: String) throws -> ExecutionPlan {
        let fused = Interpreter(model: m), plain = Interpreter(model: m)
        plain.fusionEnabled = false
        let rf = try fused.run(feeds: ["x": .tensor(x)], outputs: keep)
        let rp = try plain.run(feeds: ["x": .tensor(x)], outputs: keep)
        for name in keep {
            let a = try #require(rf[name]).asTensor(), b = try #require(rp[name]).asTensor()
            #expect(a.shape == b.shape, "\(what) \(name)")
            #expect(try bits(a) == bits(b), "\(what) \(name)")
        }
        return try fused.plan(keep: keep, observing: false)
    }

    @Test func siluAndReluOnEveryPathMatchThePlainRun() throws {
        let tails = try Self.tails()
        for c in Self.cases {
            let x = try Self.input(c.x)
            for bias in [true, false] {
                for tail in tails where tail.name == "silu" || tail.name == "relu" {
                    let plan = try Self.check(Self.model(c, bias: bias, tail: tail), x: x, "\(c.name) bias \(bias) \(tail.name)")
                    #expect(plan.steps.count == 1 && plan.steps.first?.tileEpilogue?.count == 1, "\(c.name) \(tail.name)")
                }
            }
        }
    }

    @Test func everyEpilogueKindMatchesThePlainRun() throws {
        for c in Self.cases where ["pointwise, tall", "im2col, groups", "depthwise, stride 2", "1-D"].contains(c.name) {
            let x = try Self.input(c.x)
            for tail in try Self.tails() {
                let plan = try Self.check(Self.model(c, bias: true, tail: tail), x: x, "\(c.name) \(tail.name)")
                #expect((plan.steps.first?.tileEpilogue?.count ?? 0) == tail.tiled, "\(c.name) \(tail.name)")
            }
        }
    }

    /// An observed conv output is not fused: it and the activation are the plain values.
    @Test func observedConvOutputKeepsItsOwnValues() throws {
        let c = Self.cases[0]
        let tail = try #require(try Self.tails().first { $0.name == "silu" })
        let plan = try Self.check(Self.model(c, bias: true, tail: tail), x: Self.input(c.x), keep: ["y", "c"], "observed")
        #expect(plan.steps.allSatisfy { $0.tileEpilogue == nil })
    }

    /// float16: the Conv's half result goes through the plan's epilogues (the kernel cannot
    /// take them), as in the plain run.
    @Test func halfConvLeavesTheEpiloguesToThePlan() throws {
        let tail = try #require(try Self.tails().first { $0.name == "silu" })
        for c in [Self.cases[2], Self.cases[4], Self.cases[8]] {
            try Self.check(Self.model(c, bias: true, tail: tail, dtype: .float16), x: Self.input(c.x, dtype: .float16),
                           "\(c.name) float16")
        }
    }

    /// No input channels: the output is the bias, then the epilogue.
    @Test func noInputChannelsGivesTheBiasThroughTheEpilogue() throws {
        let tail = try #require(try Self.tails().first { $0.name == "silu" })
        let c = Case(name: "empty", x: [2, 0, 4, 5], w: [3, 0, 3, 3], pads: [1, 1, 1, 1])
        let m = try Self.model(c, bias: true, tail: tail)
        let x = try f32(c.x, [])
        try Self.check(m, x: x, "no channels")
        let y = try #require(try Interpreter(model: m).run(feeds: ["x": .tensor(x)])["y"]).asTensor()
        let b = try ExecutionPlanTests.rnd([3], seed: 32).scalars(of: Float.self)
        let want = gatedValues((0..<(2 * 3 * 20)).map { b[($0 / 20) % 3] }, SigmoidF.self)
        #expect(try y.scalars(of: Float.self).map(\.bitPattern) == want.map(\.bitPattern))
    }

    /// The kernel itself: with an offer, float32 results are the plain result through the
    /// epilogue and the offer is marked applied; float16 and float64 results are plain and it is not.
    @Test func convKernelMarksTheOfferOnlyForFloat32() throws {
        let te = TileEpilogue(maps: [.gated(.sigmoid), .clip(lo: -1, hi: 0.5)])
        for c in Self.cases {
            let r = c.x.count - 2
            var attrs = [Attribute(name: "group", value: .int(c.group))]
            if let p = c.pads { attrs.append(Attribute(name: "pads", value: .ints(p))) }
            if let s = c.strides { attrs.append(Attribute(name: "strides", value: .ints(s))) }
            if let d = c.dilations { attrs.append(Attribute(name: "dilations", value: .ints(d))) }
            let node = Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["y"], attributes: attrs)
            for dtype in [DType.float32, .float16, .float64] {
                let x = try Self.input(c.x, dtype: dtype)
                let w = try ExecutionPlanTests.rnd(c.w, seed: 31).cast(to: dtype)
                let b = try ExecutionPlanTests.rnd([c.w[0]], seed: 32).cast(to: dtype)
                let ctx = OpContext(node: node, inputs: [.tensor(x), .tensor(w), .tensor(b)], opset: 20, subgraphRunner: noSubgraphs)
                let plain = try Conv.conv(ctx: ctx, x: x, w: w, bias: b)
                let offer = TileEpilogueOffer(te)
                let tiled = try Conv.conv(ctx: ctx, x: x, w: w, bias: b, epilogue: offer)
                #expect(offer.applied == (dtype == .float32), "\(c.name) \(dtype)")
                if dtype == .float32 {
                    var want = try plain.scalars(of: Float.self)
                    want.withUnsafeMutableBufferPointer { p in if let a = p.baseAddress { te.apply(a, p.count) } }
                    #expect(try tiled.scalars(of: Float.self).map(\.bitPattern) == want.map(\.bitPattern), "\(c.name) rank \(r)")
                } else {
                    #expect(try Self.bits(tiled) == Self.bits(plain), "\(c.name) \(dtype)")
                }
            }
        }
    }
}
