import Foundation
@testable import SurgeonGraph
@testable import SurgeonTensor
import Testing

/// Runs keeping (nearly) every value, as `inspect all` does, carve their small buffers from a
/// `ValueSlab`; other runs allocate as before. The values are the same either way.
@Suite struct ValueSlabRunTests {
    /// x → 24 alternating Relu / Neg / Add(x) nodes → y, all small.
    static func chain() throws -> Model {
        var nodes: [Node] = []
        var last = "x"
        for k in 0..<24 {
            let out = "v\(k)"
            switch k % 3 {
            case 0: nodes.append(Node(name: "n\(k)", opType: "Relu", inputs: [last], outputs: [out]))
            case 1: nodes.append(Node(name: "n\(k)", opType: "Neg", inputs: [last], outputs: [out]))
            default: nodes.append(Node(name: "n\(k)", opType: "Add", inputs: [last, "x"], outputs: [out]))
            }
            last = out
        }
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: last)])
        return Model(graph: g, opsetImports: ["": 17])
    }

    @Test func keptValuesAreCarvedAndEqualThoseOfSingleValueRuns() throws {
        let model = try Self.chain()
        let x = try ExecutionPlanTests.rnd([3, 50], seed: 4)
        let all = (0..<24).map { "v\($0)" }
        let interpreter = Interpreter(model: model)
        let kept = try interpreter.run(feeds: ["x": .tensor(x)], outputs: all)
        #expect(try interpreter.plan(keep: all, observing: false).carvesSmallValues)
        for name in all {
            let t = try #require(kept[name]).asTensor()
            #expect(t.buffer.isCarved, "\(name)")
            // The same bits as a run returning only that value (not carved).
            let one = Interpreter(model: model)
            let single = try #require(one.run(feeds: ["x": .tensor(x)], outputs: [name])[name]).asTensor()
            #expect(!single.buffer.isCarved)
            let a = try single.scalars(of: Float.self), b = try t.scalars(of: Float.self)
            #expect(single.shape == t.shape && a == b, "\(name)")
        }
        // A plain run keeps one value: nothing carved.
        let plain = try #require(interpreter.run(feeds: ["x": .tensor(x)])["v23"]).asTensor()
        #expect(!(try interpreter.plan(keep: ["v23"], observing: false).carvesSmallValues))
        #expect(!plain.buffer.isCarved)
    }

    /// A Loop's iterations inside a kept-everything run allocate outside the slab (their values
    /// die within the run; a slab would keep each iteration's bytes until the results go): the
    /// Loop's results are malloc'd, the values around it carved.
    @Test func loopBodiesDoNotCarve() throws {
        let body = Graph(name: "body", nodes: [Node(opType: "Add", inputs: ["acc", "x"], outputs: ["acc2"]),
                                               Node(opType: "Identity", inputs: ["cond"], outputs: ["cond2"])],
                         inputs: [ValueInfo(name: "i"), ValueInfo(name: "cond"), ValueInfo(name: "acc")],
                         outputs: [ValueInfo(name: "cond2"), ValueInfo(name: "acc2")])
        var nodes: [Node] = [Node(opType: "Loop", inputs: ["m", "", "x"], outputs: ["looped"],
                                  attributes: [Attribute(name: "body", value: .graph(body))])]
        var last = "looped"
        for k in 0..<20 {
            nodes.append(Node(opType: k % 2 == 0 ? "Relu" : "Neg", inputs: [last], outputs: ["w\(k)"]))
            last = "w\(k)"
        }
        let g = Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "m"), ValueInfo(name: "x")],
                      outputs: [ValueInfo(name: last)])
        let model = Model(graph: g, opsetImports: ["": 17])
        let all = ["looped"] + (0..<20).map { "w\($0)" }
        let x = try ExecutionPlanTests.rnd([4, 8], seed: 2)
        let out = try Interpreter(model: model).run(feeds: ["m": .tensor(Tensor(scalar: Int64(50))), "x": .tensor(x)], outputs: all)
        let looped = try #require(out["looped"]).asTensor()
        #expect(!looped.buffer.isCarved)
        #expect(try #require(out["w0"]).asTensor().buffer.isCarved)
        // 51 times x.
        let a = try looped.scalars(of: Float.self), b = try x.scalars(of: Float.self)
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - 51 * $1) <= 1e-4 * max(1, abs($0)) })
    }
}
