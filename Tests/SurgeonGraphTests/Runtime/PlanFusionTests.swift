import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Activation epilogues: SiLU exported as Sigmoid then Mul(x, s), HardSwish, HardSigmoid,
/// Gelu after a Conv, fused or not, give the unfused results bit for bit.
@Suite struct PlanFusionTests {
    static let c = 3

    /// x → Conv → c, then `tail` (nodes reading "c"), output "y" (+ `outputs`).
    static func model(_ tail: [Node], outputs: [String] = ["y"], opset: Int = 20) throws -> Model {
        let inits: [(String, Tensor)] = [
            ("W", try ExecutionPlanTests.rnd([c, c, 3, 3], seed: 21)), ("B", try ExecutionPlanTests.rnd([c], seed: 22)),
        ]
        let conv = Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                        attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))])
        let g = Graph(name: "g", nodes: [conv] + tail, inputs: [ValueInfo(name: "x")],
                      outputs: outputs.map { ValueInfo(name: $0) }, initializers: inits)
        return Model(graph: g, opsetImports: ["": opset])
    }

    static func input() throws -> Tensor {
        // Values of conv output spread over [-10, 10]-ish so sigmoid and gelu see both tails.
        let t = try ExecutionPlanTests.rnd([2, c, 9, 11], seed: 23)
        return try f32(t.shape, t.scalars(of: Float.self).map { $0 * 12 })
    }

    static func bits(_ t: Tensor) throws -> [UInt32] { try t.scalars(of: Float.self).map(\.bitPattern) }

    /// Runs `m` fused and unfused keeping `keep`; expects equal bits for every kept value and
    /// returns the fused plan.
    @discardableResult
    static func check(_ m: Model, keep: [String] = ["y"]) throws -> ExecutionPlan {
        let x = try input()
        let fused = Interpreter(model: m), plain = Interpreter(model: m)
        plain.fusionEnabled = false
        let rf = try fused.run(feeds: ["x": .tensor(x)], outputs: keep)
        let rp = try plain.run(feeds: ["x": .tensor(x)], outputs: keep)
        for name in keep {
            let a = try #require(rf[name]).asTensor(), b = try #require(rp[name]).asTensor()
            #expect(try bits(a) == bits(b), "\(name)")
        }
        return try fused.plan(keep: keep, observing: false)
    }

    static func sigmoidMul(_ order: [String]) -> [Node] {
        [Node(name: "sig", opType: "Sigmoid", inputs: ["c"], outputs: ["s"]),
         Node(name: "mul", opType: "Mul", inputs: order, outputs: ["y"])]
    }

    @Test func siluFusesIntoTheConvInEitherOperandOrder() throws {
        for order in [["c", "s"], ["s", "c"]] {
            let plan = try Self.check(Self.model(Self.sigmoidMul(order)))
            #expect(plan.steps.count == 1, "\(order)")
            guard let e = plan.steps.first?.epilogues.first, plan.steps.first?.epilogues.count == 1 else {
                Issue.record("no epilogue for \(order)"); continue
            }
            guard case .gated(.sigmoid) = e.inPlace else { Issue.record("\(e.inPlace)"); continue }
            #expect(e.chainIndex == (order[0] == "c" ? 0 : 1))
            // The fused values are x * sigmoid(x) of the conv output, as the gated loop computes it.
            let x = try Self.input()
            let m = try Self.model(Self.sigmoidMul(order), outputs: ["y", "c"])
            let r = try Interpreter(model: m).run(feeds: ["x": .tensor(x)])
            let cv = try #require(r["c"]).asTensor().scalars(of: Float.self)
            let y = try #require(r["y"]).asTensor().scalars(of: Float.self)
            #expect(y.map(\.bitPattern) == gatedValues(cv, SigmoidF.self).map(\.bitPattern))
        }
    }

    @Test func sigmoidWithASecondReaderIsNotGated() throws {
        let tail = Self.sigmoidMul(["c", "s"]) + [
            Node(name: "add", opType: "Add", inputs: ["y", "s"], outputs: ["z"]),
        ]
        let plan = try Self.check(Self.model(tail, outputs: ["z"]), keep: ["z"])
        for st in plan.steps {
            for e in st.epilogues {
                if case .gated = e.inPlace { Issue.record("sigmoid read twice was gated") }
            }
        }
        #expect(plan.steps.count >= 2)
    }

    @Test func observedSigmoidOrConvOutputIsNotGated() throws {
        let m = try Self.model(Self.sigmoidMul(["s", "c"]))
        for keep in [["y", "s"], ["y", "c"], ["y", "s", "c"]] {
            let plan = try Self.check(m, keep: keep)
            let gated = plan.steps.contains { $0.epilogues.contains { if case .gated = $0.inPlace { true } else { false } } }
            #expect(!gated, "\(keep)")
        }
        // A Mul reading c twice (c * c) is not SiLU.
        let square = [Node(name: "sig", opType: "Sigmoid", inputs: ["c"], outputs: ["s"]),
                      Node(name: "mul", opType: "Mul", inputs: ["c", "c"], outputs: ["y"]),
                      Node(name: "add", opType: "Add", inputs: ["y", "s"], outputs: ["z"])]
        try Self.check(Self.model(square, outputs: ["z"]), keep: ["z"])
    }

    @Test func activationsFuseBitExact() throws {
        let cases: [(String, [Node])] = [
            ("hardswish", [Node(name: "hs", opType: "HardSwish", inputs: ["c"], outputs: ["y"])]),
            ("gelu", [Node(name: "g", opType: "Gelu", inputs: ["c"], outputs: ["y"])]),
            ("gelu tanh", [Node(name: "g", opType: "Gelu", inputs: ["c"], outputs: ["y"],
                                attributes: [Attribute(name: "approximate", value: .string("tanh"))])]),
            ("sigmoid", [Node(name: "s", opType: "Sigmoid", inputs: ["c"], outputs: ["y"])]),
            ("hardsigmoid", [Node(name: "h", opType: "HardSigmoid", inputs: ["c"], outputs: ["y"],
                                  attributes: [Attribute(name: "alpha", value: .float(0.3))])]),
            ("x * hardsigmoid(x)", [Node(name: "h", opType: "HardSigmoid", inputs: ["c"], outputs: ["s"],
                                         attributes: [Attribute(name: "alpha", value: .float(1.0 / 6))]),
                                    Node(name: "mul", opType: "Mul", inputs: ["s", "c"], outputs: ["y"])]),
        ]
        for (name, tail) in cases {
            let plan = try Self.check(Self.model(tail))
            #expect(plan.steps.count == 1, "\(name)")
            #expect(plan.steps.first?.epilogues.count == 1, "\(name)")
        }
    }

    /// Not in place (the Identity's result is the feed itself, held by the caller): the
    /// activation and Mul kernels run, in the node's operand order, and the feed is untouched.
    @Test func gatedEpilogueThatCannotGoInPlaceRunsTheKernels() throws {
        for order in [["v", "s"], ["s", "v"]] {
            let nodes = [
                Node(name: "id", opType: "Identity", inputs: ["x"], outputs: ["v"]),
                Node(name: "sig", opType: "Sigmoid", inputs: ["v"], outputs: ["s"]),
                Node(name: "mul", opType: "Mul", inputs: order, outputs: ["y"]),
            ]
            let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")])
            let interp = Interpreter(model: Model(graph: g, opsetImports: ["": 17]))
            let xs: [Float] = [-3, -0.5, 0, 2, .infinity, -.infinity]
            let x = try f32([6], xs)
            let y = try #require(interp.run(feeds: ["x": .tensor(x)])["y"]).asTensor()
            let want = gatedValues(xs, SigmoidF.self)
            let got = try y.scalars(of: Float.self)
            #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(got)")
            #expect(try x.scalars(of: Float.self) == xs)
            let plan = try interp.plan(keep: ["y"], observing: false)
            #expect(plan.steps.count == 1 && plan.steps.first?.epilogues.first?.gate != nil, "\(order)")
        }
    }
}
