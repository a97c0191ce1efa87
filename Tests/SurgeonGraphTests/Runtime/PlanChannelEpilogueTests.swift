import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Add / Sub / Mul epilogues with a per-channel operand ([1, C, 1, 1]) run in place, with the
/// bits of the broadcasting kernels.
@Suite struct PlanChannelEpilogueTests {
    @Test func singleAxisBroadcastShapes() {
        #expect(singleAxisBroadcast([2, 5, 3, 4], [1, 5, 1, 1])! == (2, 5, 12))
        #expect(singleAxisBroadcast([2, 5, 3, 4], [5, 1, 1])! == (2, 5, 12))
        #expect(singleAxisBroadcast([2, 5, 3, 4], [3, 1])! == (10, 3, 4))
        #expect(singleAxisBroadcast([2, 5, 3, 4], [2, 1, 1, 1])! == (1, 2, 60))
        #expect(singleAxisBroadcast([2, 5, 3, 4], [2, 5, 1, 1]) == nil)
        #expect(singleAxisBroadcast([2, 5, 3, 4], [1, 4, 1, 1]) == nil)
        #expect(singleAxisBroadcast([5, 3], [1, 1, 3]) == nil)
        #expect(singleAxisBroadcast([2, 5], [1, 1]) == nil)
    }

    @Test func inPlaceMatchesTheKernels() throws {
        let cases: [([Int], [Int])] = [([2, 5, 3, 4], [1, 5, 1, 1]), ([1, 7, 9, 9], [7, 1, 1]), ([3, 4, 6], [4, 1]),
                                       ([2, 3, 5, 1], [1, 1, 5, 1]), ([1, 3, 1, 1], [1, 3, 1, 1])]
        let ops: [(Epilogue.Binary, String)] = [(.add, "Add"), (.sub, "Sub"), (.mul, "Mul")]
        for (ys, os) in cases {
            for (op, name) in ops {
                for reversed in [false, true] {
                    let y = try ExecutionPlanTests.rnd(ys, seed: 7)
                    let o = try ExecutionPlanTests.rnd(os, seed: 8)
                    let kernel = try #require(OpRegistry.standard.kernel(domain: "", op: name, opset: 14))
                    let node = Node(name: "e", opType: name, inputs: ["a", "b"], outputs: ["c"])
                    let ins: [Value?] = reversed ? [.tensor(o), .tensor(y)] : [.tensor(y), .tensor(o)]
                    let want = try #require(kernel(OpContext(node: node, inputs: ins, opset: 14, subgraphRunner: noSubgraphs)).first).asTensor()
                    let copy = try Tensor(shape: ys, scalars: y.scalars(of: Float.self))
                    let p = copy.rawPointer.assumingMemoryBound(to: Float.self)
                    let q = UnsafePointer(o.rawPointer.assumingMemoryBound(to: Float.self))
                    #expect(Epilogue.applyPerChannel(op, p, ys, o, q, reversed: reversed))
                    #expect(try copy.scalars(of: Float.self).map(\.bitPattern) == want.scalars(of: Float.self).map(\.bitPattern),
                            "\(name) \(ys) \(os) reversed \(reversed)")
                }
            }
        }
    }

    /// Conv → Mul(per-channel scale) → Sub(per-channel, reversed) → Relu, fused against unfused.
    @Test func fusedChainMatchesUnfused() throws {
        let inits: [(String, Tensor)] = [
            ("W", try ExecutionPlanTests.rnd([6, 3, 3, 3], seed: 1)), ("s", try ExecutionPlanTests.rnd([1, 6, 1, 1], seed: 2)),
            ("b", try ExecutionPlanTests.rnd([6, 1, 1], seed: 3)),
        ]
        let nodes = [
            Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["c"]),
            Node(name: "mul", opType: "Mul", inputs: ["c", "s"], outputs: ["m"]),
            Node(name: "sub", opType: "Sub", inputs: ["b", "m"], outputs: ["d"]),
            Node(name: "relu", opType: "Relu", inputs: ["d"], outputs: ["y"]),
        ]
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "y")], initializers: inits)
        let model = Model(graph: g, opsetImports: ["": 17])
        let x = try ExecutionPlanTests.rnd([2, 3, 7, 8], seed: 4)
        let fused = Interpreter(model: model), plain = Interpreter(model: model)
        plain.fusionEnabled = false
        let a = try #require(fused.run(feeds: ["x": .tensor(x)])["y"]).asTensor().scalars(of: Float.self)
        let b = try #require(plain.run(feeds: ["x": .tensor(x)])["y"]).asTensor().scalars(of: Float.self)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(Set(b).count > 10)
        let plan = try fused.plan(keep: ["y"], observing: false)
        #expect(plan.steps.count == 1 && plan.steps[0].epilogues.count == 3)
    }
}
