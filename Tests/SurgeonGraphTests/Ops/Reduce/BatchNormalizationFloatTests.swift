@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Float32 inference BatchNormalization (`BatchNormalizationFloat`) against the plain loop:
/// the same bits on ranks 2-5, batches, odd plane sizes; and in a plan, a following Relu
/// applied by the kernel gives the bits of the unfused run.
@Suite struct BatchNormalizationFloatTests {
    static func node() -> Node {
        Node(name: "bn", opType: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"],
             attributes: [Attribute(name: "epsilon", value: .float(1e-3))])
    }

    @Test func fastKernelGivesThePlainBits() throws {
        var seed: UInt32 = 5
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        for (trial, shape) in [[2, 3], [1, 5, 17], [2, 4, 7, 9], [1, 3, 2, 3, 5], [3, 16, 16, 16], [1, 1, 1, 1]].enumerated() {
            let c = shape[1]
            let x = try ExecutionPlanTests.rnd(shape, seed: UInt32(20 + trial))
            let params = try (0..<4).map { k in
                try f32([c], (0..<c).map { _ in k == 3 ? Float(next(100)) / 50 + 0.1 : Float(next(200)) / 50 - 2 })
            }
            let inputs: [Value?] = [.tensor(x)] + params.map { .tensor($0) }
            func run(_ fast: Bool) throws -> [UInt32] {
                let ctx = OpContext(node: Self.node(), inputs: inputs, opset: 15, subgraphRunner: { _, _ in [] })
                let out = try BatchNormalization.run(ctx, training: false, fast: fast)
                return try #require(out.first).asTensor().scalars(of: Float.self).map(\.bitPattern)
            }
            #expect(try run(true) == run(false), "\(shape)")
        }
    }

    @Test func reluAppliedByTheKernelInAPlan() throws {
        let c = 6
        let g = Graph(name: "g", nodes: [
            Self.node(),
            Node(name: "relu", opType: "Relu", inputs: ["y"], outputs: ["r"]),
        ], inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "r")],
                      initializers: [("s", try ExecutionPlanTests.rnd([c], seed: 1)), ("b", try ExecutionPlanTests.rnd([c], seed: 2)),
                                     ("m", try ExecutionPlanTests.rnd([c], seed: 3)),
                                     ("v", try f32([c], (0..<c).map { Float($0) / 3 + 0.5 }))])
        let model = Model(graph: g, opsetImports: ["": 15])
        let x = try ExecutionPlanTests.rnd([2, c, 5, 7], seed: 4)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let yf = try #require(fused.run(feeds: ["x": .tensor(x)])["r"]).asTensor()
        let yp = try #require(plain.run(feeds: ["x": .tensor(x)])["r"]).asTensor()
        #expect(try yf.scalars(of: Float.self).map(\.bitPattern) == yp.scalars(of: Float.self).map(\.bitPattern))
        #expect(try yf.scalars(of: Float.self).contains { $0 == 0 } && yf.scalars(of: Float.self).contains { $0 > 0 })
        let plan = try fused.plan(keep: ["r"], observing: false)
        #expect(plan.steps.count == 1 && plan.steps.first?.tileEpilogue != nil, "the Relu goes to the kernel")
        // Keeping the BatchNormalization's own output: the values of the unfused run.
        let kept = try fused.run(feeds: ["x": .tensor(x)], outputs: ["y", "r"])
        let yPlain = try #require(plain.run(feeds: ["x": .tensor(x)], outputs: ["y"])["y"]).asTensor()
        #expect(try #require(kept["y"]).asTensor().scalars(of: Float.self).map(\.bitPattern)
                == yPlain.scalars(of: Float.self).map(\.bitPattern))
    }
}
