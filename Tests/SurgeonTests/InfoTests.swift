import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import TestSupport
import Testing

@Suite struct InfoTests {
    @Test(arguments: exporters) func nodeInfo(_ e: String) throws {
        let m = try sample("extract", e)
        let o = ModelOverview(model: m)
        let text = try o.info("layer1")
        #expect(text.contains("op:          Gemm (ai.onnx, opset \(e == "dynamo" ? 18 : 17))"))
        #expect(text.contains("module:      layer1"))
        #expect(text.contains("float32[1,5]"))
        #expect(text.contains("float32[1,3]"))
        #expect(text.contains("parameters:  18"))
        #expect(text.contains("MACs:        15"))
        #expect(text.contains("transB = 1"))
        let relu = try o.info("relu")
        #expect(relu.contains("module:      (root)"))
        let layer = try o.info("layer2")
        #expect(layer.contains("node layer2"))
        #expect(try o.info("x").contains("float32[1,5]"))
    }

    @Test(arguments: exporters) func inferredTypesOfSamples(_ e: String) throws {
        let m = try sample("summary", e)
        let types = ShapeInference.infer(m)
        for n in m.graph.nodes { #expect(types[n.outputs[0]]?.description.hasPrefix("float32[1,") == true) }
    }

    @Test(arguments: exporters) func treeRendering(_ e: String) throws {
        let m = try sample("extract", e)
        let text = ModelOverview(model: m).tree().renderText()
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("├─ layer1") })
        #expect(row.split(separator: " ").filter { $0 != "(Linear)" } == ["├─", "layer1", "Gemm", "float32[1,3]", "18"])
        #expect(text.contains("└─ tanh"))
        #expect(text.contains("Total params: 29"))
    }

    @Test func shapeInferenceOps() throws {
        func node(_ op: String, _ ins: [String], _ out: String, _ attrs: [Attribute] = []) -> Node {
            Node(name: out, opType: op, inputs: ins, outputs: [out], attributes: attrs)
        }
        let nodes = [
            node("Conv", ["x", "w"], "c", [Attribute(name: "pads", value: .ints([1, 1, 1, 1])), Attribute(name: "strides", value: .ints([2, 2]))]),
            node("MaxPool", ["c"], "p", [Attribute(name: "kernel_shape", value: .ints([3, 3])), Attribute(name: "strides", value: .ints([2, 2])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]),
            node("Shape", ["p"], "s"),
            node("Gather", ["s", "zero"], "b"),
            node("Unsqueeze", ["b", "zeros1"], "bu"),
            node("Concat", ["bu", "minus1"], "shape", [Attribute(name: "axis", value: .int(0))]),
            node("Reshape", ["p", "shape"], "r"),
            node("Transpose", ["r"], "t"),
            node("ReduceMean", ["p"], "m", [Attribute(name: "axes", value: .ints([2, 3])), Attribute(name: "keepdims", value: .int(0))]),
            node("Softmax", ["m"], "sm"),
            node("Cast", ["sm"], "i", [Attribute(name: "to", value: .int(7))]),
            node("Slice", ["p", "st", "en", "ax"], "sl"),
            node("Flatten", ["p"], "f"),
            node("Add", ["f", "bias"], "g"),
        ]
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.symbolic("N"), .known(3), .known(32), .known(32)]))],
                      outputs: [ValueInfo(name: "g")],
                      initializers: [("w", try Tensor(zeros: .float32, shape: [8, 3, 3, 3])),
                                     ("zero", Tensor(scalar: Int64(0))), ("zeros1", try Tensor(shape: [1], scalars: [Int64(0)])),
                                     ("minus1", try Tensor(shape: [1], scalars: [Int64(-1)])),
                                     ("st", try Tensor(shape: [1], scalars: [Int64(1)])), ("en", try Tensor(shape: [1], scalars: [Int64(100)])),
                                     ("ax", try Tensor(shape: [1], scalars: [Int64(-1)])), ("bias", try Tensor(zeros: .float32, shape: [512]))])
        let t = ShapeInference.infer(Model(graph: g, opsetImports: ["": 17]))
        #expect(t["c"]?.description == "float32[N,8,16,16]")
        #expect(t["p"]?.description == "float32[N,8,8,8]")
        #expect(t["s"]?.description == "int64[4]")
        #expect(t["r"]?.description == "float32[N,512]")
        #expect(t["t"]?.description == "float32[512,N]")
        #expect(t["m"]?.description == "float32[N,8]")
        #expect(t["i"]?.description == "int64[N,8]")
        #expect(t["sl"]?.description == "float32[N,8,8,7]")
        #expect(t["f"]?.description == "float32[N,512]")
        #expect(t["g"]?.description == "float32[N,512]")
    }
}

@Suite struct ResolveEdgeTests {
    func md(_ scopes: String) -> [(String, String)] { [("pkg.torch.onnx.name_scopes", scopes)] }

    /// Dynamo-like: `conv` folded into `bn` (only its weight name is left).
    func foldedModel() throws -> Model {
        let nodes = [
            Node(name: "node_Conv_1", opType: "Conv", inputs: ["x", "block.conv.weight"], outputs: ["getitem"],
                 metadata: md("['', 'block', 'block.bn', '_native_batch_norm_legit_no_training']")),
            Node(name: "node_relu", opType: "Relu", inputs: ["getitem"], outputs: ["relu"], metadata: md("['', 'block', 'relu']")),
        ]
        let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(1), .known(1), .known(4), .known(4)]))],
                      outputs: [ValueInfo(name: "relu")], initializers: [("block.conv.weight", try Tensor(zeros: .float32, shape: [2, 1, 3, 3]))])
        return Model(graph: g)
    }

    @Test func foldedModuleIsReported() throws {
        let m = try foldedModel()
        let o = ModelOverview(model: m)
        #expect(o.names.layers == ["block", "block.bn"])
        #expect(o.names.nodes == ["x", "block.bn", "block.relu"])
        #expect(o.names.folded["block.conv"]?.readBy == [0])
        let text = try o.info("block.conv")
        #expect(text.contains("folded"))
        #expect(text.contains("'block.bn'"))
        #expect(try o.info("block").contains("folded away: block.conv"))
        #expect(try o.info("block.bn").contains("float32[1,2,2,2]"))
        do { _ = try o.names.resolve("conv", in: m); Issue.record("no error") } catch {
            #expect("\(error)".contains("did you mean 'block.conv'"))
        }
    }

    @Test func ambiguousAndSubgraphNames() throws {
        let body = Graph(name: "then", nodes: [Node(name: "inner", opType: "Relu", inputs: ["a"], outputs: ["in_body"])],
                         outputs: [ValueInfo(name: "in_body")])
        let nodes = [
            Node(name: "dup", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "dup", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            Node(name: "if", opType: "If", inputs: ["c"], outputs: ["y"],
                 attributes: [Attribute(name: "then_branch", value: .graph(body)), Attribute(name: "else_branch", value: .graph(body))]),
        ]
        let m = Model(graph: Graph(nodes: nodes, inputs: [ValueInfo(name: "x"), ValueInfo(name: "c")], outputs: [ValueInfo(name: "y")]))
        let names = ModelNames(model: m)
        #expect(names.nodes == ["x", "c", "dup", "dup_1", "if"])
        #expect(try names.resolve("dup_1", in: m) == .node(1))
        do { _ = try cut(model: m, names: names, inputs: [("in_body", nil)], outputs: [("y", nil)], keepOriginalOutputs: false); Issue.record("no error") } catch {
            #expect("\(error)".contains("inside the body of node 'if'"))
        }
        // Two layers ending in the same name: listed, never picked.
        let scoped = [
            Node(name: "/a/fc/Gemm", opType: "Relu", inputs: ["x"], outputs: ["p"]),
            Node(name: "/b/fc/Gemm", opType: "Relu", inputs: ["p"], outputs: ["q"]),
        ]
        let m2 = Model(graph: Graph(nodes: scoped, inputs: [ValueInfo(name: "x")], outputs: [ValueInfo(name: "q")]))
        let n2 = ModelNames(model: m2)
        #expect(n2.nodes == ["x", "a.fc", "b.fc"])
        do { _ = try n2.resolve("fc", in: m2); Issue.record("no error") } catch {
            #expect("\(error)".contains("ambiguous"))
            #expect("\(error)".contains("'a.fc', 'b.fc'"))
        }
    }
}
