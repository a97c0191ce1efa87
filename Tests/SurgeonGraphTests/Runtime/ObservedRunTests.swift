import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Runs that keep every value (`inspect all`): kept QuantizeLinear → DequantizeLinear pairs run
/// as one step writing both results, and chains of epilogues run out of place, chunk by chunk,
/// storing every intermediate. Every kept value must be bit for bit what the unfused,
/// node-by-node run computes.
@Suite struct ObservedRunTests {
    /// Every value a node of `model` produces.
    static func allValues(_ model: Model) -> [String] {
        model.graph.nodes.flatMap(\.outputs).filter { !$0.isEmpty }
    }

    /// Runs `model` fused and unfused keeping `wanted`; expects identical dtypes, shapes and bits.
    static func expectSameAsUnfused(_ model: Model, feeds: [String: Value], wanted: [String],
                                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Interpreter {
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let rf = try fused.run(feeds: feeds, outputs: wanted)
        let rp = try plain.run(feeds: feeds, outputs: wanted)
        for name in wanted {
            let a = try #require(rf[name], sourceLocation: sourceLocation).asTensor()
            let b = try #require(rp[name], sourceLocation: sourceLocation).asTensor()
            #expect(a.dtype == b.dtype && a.shape == b.shape, "\(name)", sourceLocation: sourceLocation)
            if a.dtype == .float32 {
                #expect(try a.scalars(of: Float.self).map(\.bitPattern) == b.scalars(of: Float.self).map(\.bitPattern),
                        "\(name)", sourceLocation: sourceLocation)
            } else {
                #expect(a.int64Array() == b.int64Array(), "\(name)", sourceLocation: sourceLocation)
            }
        }
        return fused
    }

    @Test func keptQuantizePairsMatchTheKernels() throws {
        for type in [DType.uint8, .int8] {
            for zeroPoints in [false, true] {
                let model = try FakeQuantizeTests.qdqNet(type: type, zeroPoints: zeroPoints)
                // Odd sizes, ties, NaN, infinities and saturation (FakeQuantizeTests.values).
                let x = try f32([2, 3, 9, 11], FakeQuantizeTests.values(2 * 3 * 99, seed: 11, scale: 60))
                let wanted = Self.allValues(model)
                let fused = try Self.expectSameAsUnfused(model, feeds: ["x": .tensor(x)], wanted: wanted)
                let plan = try fused.plan(keep: wanted, observing: false)
                // q1+dq1 one step; Conv with [q2+dq2, Add, q3+dq3, Relu] kept out of place.
                #expect(plan.steps.count == 2, "\(type) \(zeroPoints)")
                #expect(plan.steps.first?.keptQuantizePair != nil)
                #expect(plan.steps.last?.keepsIntermediates == true)
                // The Conv's kept chain stores every intermediate: Conv must not also apply it
                // per tile (merge of the convtile and observed branches); a plain plan does.
                #expect(plan.steps.last?.tileEpilogue == nil)
                let plainPlan = try fused.plan(keep: ["y"], observing: false)
                #expect(plainPlan.steps.contains { $0.node.opType == "Conv" && $0.tileEpilogue != nil })
                let pairs = plan.steps.flatMap(\.epilogues).filter {
                    if case .quantizePair = $0.inPlace { return true } else { return false }
                }
                #expect(pairs.count == 2)
            }
        }
    }

    @Test func keepingOnlyTheIntegersStillMatches() throws {
        // The integer tensors kept, the float results not: pairs still write both; the float
        // results that nothing keeps are released after their step.
        let model = try FakeQuantizeTests.qdqNet(type: .int8, zeroPoints: true)
        let x = try f32([1, 3, 5, 4], FakeQuantizeTests.values(60, seed: 2, scale: 30))
        _ = try Self.expectSameAsUnfused(model, feeds: ["x": .tensor(x)], wanted: ["y", "xq", "cq", "aq"])
    }

    /// x → Relu → Mul(scalar) → Add(per-channel [1, C, 1, 1]) → Clip → Sub(last-axis row), all kept.
    static func chainNet(channelShape: [Int], c: Int, w: Int) throws -> Model {
        let nodes = [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
            Node(name: "mul", opType: "Mul", inputs: ["r", "s"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["b", "m"], outputs: ["a"]),
            Node(name: "clip", opType: "Clip", inputs: ["a", "lo", "hi"], outputs: ["k"]),
            Node(name: "sub", opType: "Sub", inputs: ["row", "k"], outputs: ["y"]),
        ]
        let count = channelShape.reduce(1, *)
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("s", Tensor(scalar: Float(0.37))),
                                     ("b", try f32(channelShape, (0..<count).map { Float($0) * 0.11 - 0.3 })),
                                     ("lo", Tensor(scalar: Float(-0.25))), ("hi", Tensor(scalar: Float(6))),
                                     ("row", try f32([w], (0..<w).map { Float($0) * 0.013 }))])
        return Model(graph: g, opsetImports: ["": 17])
    }

    @Test func keptChainsMatchTheKernels() throws {
        // Channels larger than a chunk (4096 elements), rows that do not divide it, one channel.
        for (n, c, h, w) in [(2, 3, 50, 47), (1, 5, 7, 3), (3, 1, 1, 9), (1, 4, 80, 64)] {
            let model = try Self.chainNet(channelShape: [1, c, 1, 1], c: c, w: w)
            let x = try f32([n, c, h, w], FakeQuantizeTests.values(n * c * h * w, seed: 7, scale: 40))
            let wanted = Self.allValues(model)
            let fused = try Self.expectSameAsUnfused(model, feeds: ["x": .tensor(x)], wanted: wanted)
            let plan = try fused.plan(keep: wanted, observing: false)
            #expect(plan.steps.count == 1 && plan.steps.first?.keepsIntermediates == true, "\([n, c, h, w])")
            #expect(plan.steps.first?.epilogues.count == 4)
        }
    }

    @Test func keptValuesOfOneRunSurviveTheNext() throws {
        // The values a run returns are the caller's: the next run (other input, same plan, the
        // memory the arena and malloc recycle) must not write into them while they are held.
        let model = try Self.chainNet(channelShape: [1, 4, 1, 1], c: 4, w: 64)
        let wanted = Self.allValues(model)
        let interp = Interpreter(model: model)
        let x1 = try f32([1, 4, 80, 64], FakeQuantizeTests.values(4 * 80 * 64, seed: 3, scale: 40))
        let x2 = try f32([1, 4, 80, 64], FakeQuantizeTests.values(4 * 80 * 64, seed: 9, scale: 40))
        let first = try interp.run(feeds: ["x": .tensor(x1)], outputs: wanted)
        let copies = try wanted.map { try #require(first[$0]).asTensor().scalars(of: Float.self).map(\.bitPattern) }
        for _ in 0..<3 {
            let second = try interp.run(feeds: ["x": .tensor(x2)], outputs: wanted)
            #expect(try second["y"]?.asTensor().scalars(of: Float.self) != first["y"]?.asTensor().scalars(of: Float.self))
        }
        for (name, copy) in zip(wanted, copies) {
            #expect(try #require(first[name]).asTensor().scalars(of: Float.self).map(\.bitPattern) == copy, "\(name)")
        }
    }

    @Test func keptChainsWithOtherBroadcastsRunTheKernels() throws {
        // A [C, H, 1] operand broadcasts along two axes: the chain falls back to the kernels.
        let model = try Self.chainNet(channelShape: [3, 5, 1], c: 3, w: 4)
        let x = try f32([2, 3, 5, 4], FakeQuantizeTests.values(120, seed: 4, scale: 20))
        _ = try Self.expectSameAsUnfused(model, feeds: ["x": .tensor(x)], wanted: Self.allValues(model))
        // Per-channel operands are only taken out of place: an unkept chain runs as before.
        let plain = try Self.chainNet(channelShape: [1, 3, 1, 1], c: 3, w: 4)
        _ = try Self.expectSameAsUnfused(plain, feeds: ["x": .tensor(try f32([2, 3, 5, 4], FakeQuantizeTests.values(120, seed: 4, scale: 20)))],
                                         wanted: ["y"])
    }

    @Test func float16ChainsWithKeptPairsRunTheKernels() throws {
        // float16 activations: the pair step and the chain fall back to the kernels (both outputs).
        let nodes = [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
            Node(name: "q", opType: "QuantizeLinear", inputs: ["r", "s", "z"], outputs: ["rq"]),
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["rq", "s", "z"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")],
                      initializers: [("s", Tensor(scalar: Float(0.5))), ("z", Tensor(scalar: Int8(-3)))])
        let model = Model(graph: g, opsetImports: ["": 21])
        let x = try f32([5], [1.2, -3, 200, 0.25, -90]).cast(to: .float16)
        let wanted = ["y", "r", "rq"]
        let fused = Interpreter(model: model)
        let plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let run = { (i: Interpreter) -> Result<[[Double]], Error> in
            Result { try wanted.map { try #require(i.run(feeds: ["x": .tensor(x)], outputs: wanted)[$0]).asTensor().doubleArray() } }
        }
        switch (run(fused), run(plain)) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure, .failure): break
        default: Issue.record("fused and unfused runs disagree on a float16 input")
        }
    }

    @Test func runBothMatchesTheTwoKernels() throws {
        // The one-pass pair against QuantizeLinear's and DequantizeLinear's kernels, both types.
        let x = try f32([3, 37], FakeQuantizeTests.values(111, seed: 13, scale: 90))
        for (lo, hi) in [(Float(0), Float(255)), (-128, 127)] {
            let fq = FakeQuantize(qScale: 0.3, qZero: lo < 0 ? -5 : 17, lo: lo, hi: hi, dqScale: 0.29, dqZero: lo < 0 ? -4 : 16)
            let (q, d) = try fq.runBoth(x)
            let type: DType = lo < 0 ? .int8 : .uint8
            let qk = try QuantizeLinear.plain(x: x, scale: Tensor(scalar: Float(0.3)),
                                              zp: try Tensor(int64s: [Int64(fq.qZero)], shape: [], dtype: type),
                                              outType: type, axis: 1, block: 0, saturate: true)
            let dk = try DequantizeLinear.plain(x: qk, scale: Tensor(scalar: Float(0.29)),
                                                zp: try Tensor(int64s: [Int64(fq.dqZero)], shape: [], dtype: type),
                                                outType: .float32, axis: 1, block: 0)
            #expect(q.dtype == type && q.shape == x.shape && q.int64Array() == qk.int64Array())
            #expect(try d.scalars(of: Float.self).map(\.bitPattern) == dk.scalars(of: Float.self).map(\.bitPattern))
        }
    }
}
