import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import TestSupport
import Testing

@Suite struct InspectTests {
    /// Runs the model recording `targets`; returns label -> first value.
    func record(_ m: Model, _ targets: [(label: String, values: [String])], x: Tensor) throws -> [String: Tensor] {
        let wanted = targets.flatMap(\.values)
        let r = try run(m, ["x": x], outputs: wanted)
        var out: [String: Tensor] = [:]
        for t in targets { out[t.label] = t.values.first.flatMap { r[$0] } }
        return out
    }

    @Test(arguments: exporters) func readmeInspectExamples(_ e: String) throws {
        let m = try sample("inspect", e)
        let names = ModelNames(model: m)
        let x = try reference("inspect.x")
        let one = try inspectTargets(model: m, names: names, specs: [("layer2", nil)])
        #expect(one.map(\.label) == ["layer2"])
        let two = try record(m, try inspectTargets(model: m, names: names, specs: [("layer1", nil), ("layer2", nil)]), x: x)
        #expect(try isClose(#require(two["layer1"]), reference("inspect.inspect.layer1")))
        #expect(try isClose(#require(two["layer2"]), reference("inspect.inspect.layer2")))
    }

    @Test(arguments: exporters) func namedLayersMatchReference(_ e: String) throws {
        let m = try sample("extract", e)
        let names = ModelNames(model: m)
        let targets = try inspectTargets(model: m, names: names, specs: [("layer1", "x1"), ("layer2", "x2"), ("layer3", "x3")])
        #expect(targets.map(\.label) == ["x1", "x2", "x3"])
        let got = try record(m, targets, x: try reference("extract.x"))
        for k in ["x1", "x2", "x3"] {
            #expect(try isClose(#require(got[k]), reference("extract.inspect.\(k)")), "\(k)")
        }
    }

    @Test(arguments: exporters) func everyNodeMatchesExtractReference(_ e: String) throws {
        for model in ["extract", "summary"] {
            let m = try sample(model, e)
            let names = ModelNames(model: m)
            let all = inspectAllTargets(model: m, names: names)
            #expect(all.map(\.label) == Array(names.nodes.dropFirst()))
            let got = try record(m, all, x: try reference("\(model).x"))
            for label in names.nodes.dropFirst() {
                #expect(try isClose(#require(got[label]), reference("\(model).node.\(label)")), "\(model) \(label)")
            }
        }
    }

    @Test func layerCalledTwiceYieldsBothCalls() throws {
        // y = relu(fc(relu(x))): the module `act` runs twice (TorchScript scopes `act`, `act_1`).
        let nodes = [
            Node(name: "/act/Relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "/fc/MatMul", opType: "MatMul", inputs: ["a", "w"], outputs: ["b"]),
            Node(name: "/act_1/Relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
        ]
        let w = try f32([2, 2], [1, -1, 2, 0.5])
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(1), .known(2)]))],
                      outputs: [ValueInfo(name: "y")], initializers: [("w", w)])
        let m = Model(graph: g)
        let names = ModelNames(model: m)
        #expect(names.layers == ["act", "fc"])
        #expect(names.nodes == ["x", "act", "fc", "act_1"])
        #expect(names.occurrences["act"]?.map(\.label) == ["act", "act_1"])
        let both = try inspectTargets(model: m, names: names, specs: [("act", nil)])
        #expect(both.map(\.label) == ["act", "act_1"])
        #expect(both.map(\.values) == [["a"], ["y"]])
        let t = try inspectTargets(model: m, names: names, specs: [("act_1", "second")])
        #expect(t.map(\.label) == ["second"])
        #expect(t.first?.values == ["y"])
    }

    @Test func dynamoLayerCalledTwice() throws {
        // Dynamo metadata: module `act` runs twice with `fc` in between.
        func md(_ scopes: String) -> [(String, String)] { [("pkg.torch.onnx.name_scopes", scopes)] }
        let nodes = [
            Node(name: "node_relu", opType: "Relu", inputs: ["x"], outputs: ["relu"], metadata: md("['', 'act', 'relu']")),
            Node(name: "node_mm", opType: "MatMul", inputs: ["relu", "w"], outputs: ["mm"], metadata: md("['', 'fc', 'matmul']")),
            Node(name: "node_relu_1", opType: "Relu", inputs: ["mm"], outputs: ["relu_1"], metadata: md("['', 'act', 'relu_1']")),
            Node(name: "node_add", opType: "Add", inputs: ["relu_1", "relu"], outputs: ["add"], metadata: md("['', 'add']")),
        ]
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "add")],
                      initializers: [("w", try f32([2, 2], [1, 0, 0, 1]))])
        let m = Model(graph: g)
        let names = ModelNames(model: m)
        #expect(names.nodes == ["x", "act", "fc", "act_1", "add"])
        #expect(names.occurrences["act"]?.count == 2)
        let t = try inspectTargets(model: m, names: names, specs: [("act", "A")])
        #expect(t.map(\.label) == ["A", "A_1"])
        #expect(t.map(\.values) == [["relu"], ["relu_1"]])
    }

    @Test func multiNodeLayerCalledTwice() throws {
        // A leaf module of two nodes run twice; its path is not a node name, so it gives both calls.
        func md(_ scopes: String) -> [(String, String)] { [("pkg.torch.onnx.name_scopes", scopes)] }
        let nodes = [
            Node(name: "n0", opType: "Relu", inputs: ["x"], outputs: ["a"], metadata: md("['', 'blk', 'relu']")),
            Node(name: "n1", opType: "Add", inputs: ["a", "a"], outputs: ["b"], metadata: md("['', 'blk', 'add']")),
            Node(name: "n2", opType: "Relu", inputs: ["b"], outputs: ["c"], metadata: md("['', 'relu']")),
            Node(name: "n3", opType: "Relu", inputs: ["c"], outputs: ["d"], metadata: md("['', 'blk', 'relu_2']")),
            Node(name: "n4", opType: "Add", inputs: ["d", "d"], outputs: ["e"], metadata: md("['', 'blk', 'add_1']")),
        ]
        let m = Model(graph: Graph(nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "e")]))
        let names = ModelNames(model: m)
        #expect(names.nodes == ["x", "blk.relu", "blk", "relu", "blk.relu_1", "blk_1"])
        #expect(names.layers == ["blk"])
        let t = try inspectTargets(model: m, names: names, specs: [("blk", "B")])
        #expect(t.map(\.label) == ["B", "B_1"])
        #expect(t.map(\.values) == [["b"], ["e"]])
        #expect(names.occurrences["blk"]?.map(\.outputs) == [["b"], ["e"]])
    }
}

@Suite struct LegacyScopeTests {
    @Test func numberedModuleWithParametersIsNotASecondCall() throws {
        // `conv` and `conv_1` are two modules (conv_1 owns `conv_1.weight`); `act_1` is the
        // second call of `act`.
        let nodes = [
            Node(name: "/conv/MatMul", opType: "MatMul", inputs: ["x", "conv.weight"], outputs: ["a"]),
            Node(name: "/act/Relu", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            Node(name: "/conv_1/MatMul", opType: "MatMul", inputs: ["b", "conv_1.weight"], outputs: ["c"]),
            Node(name: "/act_1/Relu", opType: "Relu", inputs: ["c"], outputs: ["d"]),
        ]
        let w = try f32([2, 2], [1, 0, 0, 1])
        let m = Model(graph: Graph(nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "d")],
                                   initializers: [("conv.weight", w), ("conv_1.weight", w)]))
        let names = ModelNames(model: m)
        #expect(names.layers == ["conv", "act", "conv_1"])
        #expect(names.occurrences["act"]?.count == 2)
        #expect(names.occurrences["conv"]?.count == 1)
        #expect(names.nodes == ["x", "conv", "act", "conv_1", "act_1"])
    }

    @Test func containerChildScopes() throws {
        // `/layer2/layer2.0/downsample/downsample.0/Conv` is module `layer2.0.downsample.0`;
        // `/encoder/layer.0/attn/MatMul` (a ModuleList child) is `encoder.layer.0.attn`.
        let nodes = [
            Node(name: "/layer2/layer2.0/downsample/downsample.0/Relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "/encoder/layer.0/attn/Relu", opType: "Relu", inputs: ["a"], outputs: ["b"]),
        ]
        let m = Model(graph: Graph(nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "b")]))
        let names = ModelNames(model: m)
        #expect(names.layers == ["layer2", "layer2.0", "layer2.0.downsample", "layer2.0.downsample.0",
                                 "encoder", "encoder.layer.0", "encoder.layer.0.attn"])
        #expect(names.nodes == ["x", "layer2.0.downsample.0", "encoder.layer.0.attn"])
    }
}

@Test(arguments: exporters) func runInspectRecordsLikeSurgeonPytorch(_ e: String) throws {
    let m = try sample("inspect", e)
    let names = ModelNames(model: m)
    let targets = try inspectTargets(model: m, names: names, specs: [("layer1", "x1"), ("layer2", "x2")])
    let r = try runInspect(model: m, targets: targets, feeds: ["x": .tensor(reference("inspect.x"))], registry: testRegistry)
    #expect(r.recorded.map(\.label) == ["x1", "x2"])
    #expect(try isClose(r.recorded[0].values[0].asTensor(), reference("inspect.inspect.layer1")))
    #expect(try isClose(r.recorded[1].values[0].asTensor(), reference("inspect.inspect.layer2")))
    #expect(try isClose(#require(r.outputs[m.graph.outputs[0].name]).asTensor(), reference("inspect.y")))
}

@Test func dynamoExplicitCallIndex() throws {
    // `act(act(x))`: connected, so only an explicit `act@1` scope can tell the calls apart.
    func md(_ scopes: String) -> [(String, String)] { [("pkg.torch.onnx.name_scopes", scopes)] }
    let nodes = [
        Node(name: "n0", opType: "Relu", inputs: ["x"], outputs: ["a"], metadata: md("['', 'act', 'relu']")),
        Node(name: "n1", opType: "Relu", inputs: ["a"], outputs: ["b"], metadata: md("['', 'act@1', 'relu_1']")),
    ]
    let m = Model(graph: Graph(nodes: nodes, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "b")]))
    let names = ModelNames(model: m)
    #expect(names.layers == ["act"])
    #expect(names.occurrences["act"]?.map(\.outputs) == [["a"], ["b"]])
    #expect(names.nodes == ["x", "act", "act_1"])
}

@Test func malformedNodesDoNotCrash() throws {
    let nodes = [
        Node(name: "s", opType: "Slice", inputs: ["x", "st", "en", "ax"], outputs: ["y"]),
        Node(name: "s2", opType: "Slice", inputs: ["ax", "st", "en", "ax", "one"], outputs: ["y2"]),
        Node(name: "noout", opType: "Add", inputs: ["x", "x"], outputs: []),
        Node(name: "g", opType: "Gather", inputs: ["x", "idx"], outputs: ["z"], attributes: [Attribute(name: "axis", value: .int(7))]),
    ]
    let empty = try Tensor(shape: [0], scalars: [Int64]())
    let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: .tensor(.int64, [.known(3)]))], outputs: [ValueInfo(name: "y")],
                  initializers: [("st", empty), ("en", empty), ("ax", try Tensor(shape: [1], scalars: [Int64(0)])), ("idx", Tensor(scalar: Int64(5))),
                                 ("one", try Tensor(shape: [1], scalars: [Int64(1)]))])
    let m = Model(graph: g)
    _ = ShapeInference.infer(m)
    let o = ModelOverview(model: m)
    _ = o.tree().renderText()
    _ = try o.info("s")
}
