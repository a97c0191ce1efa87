import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor
import TestSupport
import Testing

/// Where cut models are saved for tools/check_cuts.py (onnx.checker + onnxruntime).
let cutDir = repoRoot + "/.build/cut-samples"

@Suite(.serialized) struct CutTests {
    typealias Spec = (name: String, alias: String?)

    func spec(_ s: String) -> Spec {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : nil)
    }

    /// Cuts, runs the cut model on the original's intermediate values, and compares its
    /// outputs with the original's values. Saves the cut model and its feeds/outputs.
    @discardableResult
    func check(_ model: String, _ e: String, ins: [String], outs: [String], keep: Bool = false) throws -> CutResult {
        let m = try sample(model, e)
        let names = ModelNames(model: m)
        let result = try cut(model: m, names: names, inputs: ins.map(spec), outputs: outs.map(spec), keepOriginalOutputs: keep)
        let x = try reference("\(model).x")
        // Every intermediate value of the original.
        let allValues = m.graph.nodes.flatMap(\.outputs) + ["x"]
        let original = try run(m, ["x": x], outputs: allValues)
        var feeds: [String: Tensor] = [:]
        for s in ins.map(spec) {
            let values = names.outputValues(of: try names.resolve(s.name, in: m), in: m)
            feeds[s.alias ?? s.name] = original[values[0]]
        }
        if result.model.graph.inputs.contains(where: { $0.name == "x" }) && feeds["x"] == nil { feeds["x"] = x }
        #expect(Set(feeds.keys) == Set(result.model.graph.inputs.map(\.name)), "\(model)-\(e) inputs")
        let got = try run(result.model, feeds)
        var expected: [String: Tensor] = [:]
        if keep { for o in m.graph.outputs { expected[o.name] = original[o.name] } }
        for s in outs.map(spec) {
            let values = names.outputValues(of: try names.resolve(s.name, in: m), in: m)
            expected[s.alias ?? s.name] = original[values[0]]
        }
        #expect(Set(got.keys) == Set(expected.keys), "\(model)-\(e) outputs")
        for (k, v) in expected {
            #expect(try isClose(#require(got[k]), v), "\(model)-\(e) \(k)")
        }
        // Only needed nodes; initializers that no node reads are gone.
        let reads = Set(result.model.graph.nodes.flatMap(\.inputs))
        #expect(result.model.graph.initializers.keys.allSatisfy { reads.contains($0) })
        // Save + reload, and leave it for tools/check_cuts.py.
        let tag = "\(model)-\(e)-" + (ins + ["to"] + outs).joined(separator: "_").replacingOccurrences(of: ":", with: "=")
        let dir = cutDir + "/" + tag
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ONNXExport.save(result.model, path: dir + "/model.onnx")
        let reloaded = try ONNXImport.load(path: dir + "/model.onnx")
        let again = try run(reloaded, feeds)
        for (k, v) in got { #expect(try isClose(#require(again[k]), v), "reloaded \(k)") }
        for (k, v) in feeds { try NPY.write(v, path: dir + "/in.\(k).npy") }
        for (k, v) in got { try NPY.write(v, path: dir + "/out.\(k).npy") }
        return result
    }

    @Test(arguments: exporters) func extractModelCuts(_ e: String) throws {
        let r1 = try check("extract", e, ins: [], outs: ["sigmoid"])
        #expect(r1.model.graph.nodes.count == 4)
        #expect(r1.summary.seedForm == "{'input': ('x',), 'output': sigmoid}")
        let r2 = try check("extract", e, ins: ["layer1"], outs: ["sigmoid"])
        #expect(r2.model.graph.inputs.map(\.name) == ["layer1"])
        #expect(r2.model.graph.inputs.first?.type.description == "float32[1,3]")
        #expect(r2.model.graph.initializers.keys.sorted() == ["layer2.bias", "layer2.weight"])
        try check("extract", e, ins: ["layer1:x"], outs: ["sigmoid:y1", "relu:y2"])
        try check("extract", e, ins: ["relu"], outs: ["tanh"])
        try check("extract", e, ins: ["layer2"], outs: ["layer3"], keep: true)
        try check("extract", e, ins: ["sigmoid"], outs: ["layer3"])
    }

    @Test(arguments: exporters) func summaryModelCuts(_ e: String) throws {
        let r = try check("summary", e, ins: ["layer1a:my_input"], outs: ["add:my_add"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: referenceDir + "/names.json"))) as? [String: [String: Any]]
        let seed = try #require(json?["summary"]?["cut_summary"] as? String)
        #expect(r.summary.seedForm == seed)
        #expect(r.summary.description.hasPrefix(seed + "\n"))
        #expect(r.summary.description.contains("x         float32[1,2]  original input, needed by layer1b"))
        #expect(r.summary.description.contains("my_input  float32[1,2]  cut at layer1a"))
        #expect(r.summary.description.contains("my_add    float32[1,2]  add"))
        #expect(r.model.graph.inputs.map(\.name) == ["x", "my_input"])
        try check("summary", e, ins: ["layer1a", "layer1b"], outs: ["layer2"])
        try check("summary", e, ins: ["add"], outs: ["layer2"])
        try check("summary", e, ins: [], outs: ["layer1b", "add"], keep: true)
    }

    @Test(arguments: exporters) func cutMatchesSurgeonPytorch(_ e: String) throws {
        let m = try sample("extract", e)
        let names = ModelNames(model: m)
        let l1 = try reference("extract.cut1.layer1")
        let c1 = try cut(model: m, names: names, inputs: [("layer1", nil)], outputs: [("sigmoid", nil)], keepOriginalOutputs: false)
        #expect(try isClose(#require(run(c1.model, ["layer1": l1])["sigmoid"]), reference("extract.cut1.sigmoid")))
        let c2 = try cut(model: m, names: names, inputs: [("layer1", "x")], outputs: [("sigmoid", "y1"), ("relu", "y2")], keepOriginalOutputs: false)
        let out = try run(c2.model, ["x": l1])
        #expect(try isClose(#require(out["y1"]), reference("extract.cut2.y1")))
        #expect(try isClose(#require(out["y2"]), reference("extract.cut2.y2")))
        #expect(c2.summary.seedForm == "{'input': ('x',), 'output': {'y1': sigmoid, 'y2': relu}}")

        let s = try sample("summary", e)
        let sn = ModelNames(model: s)
        let c3 = try cut(model: s, names: sn, inputs: [("layer1a", "my_input")], outputs: [("add", "my_add")], keepOriginalOutputs: false)
        let o3 = try run(c3.model, ["x": reference("summary.x"), "my_input": reference("summary.cut.my_input")])
        #expect(try isClose(#require(o3["my_add"]), reference("summary.cut.my_add")))
    }

    @Test func errors() throws {
        let m = try sample("summary", "legacy")
        let names = ModelNames(model: m)
        func message(_ ins: [Spec], _ outs: [Spec]) -> String {
            do {
                _ = try cut(model: m, names: names, inputs: ins, outputs: outs, keepOriginalOutputs: false)
                return "no error"
            } catch { return "\(error)" }
        }
        // The alias of the seed's `node_in={'layer1': 'x'}` only works when x is no longer needed.
        #expect(message([("layer1a", "x")], [("add", nil)]).contains("original input 'x' is still needed (by layer1b)"))
        #expect(message([("layer2", nil)], [("add", nil)]).contains("does not reach any output"))
        #expect(message([], [("ad", nil)]).contains("did you mean 'add'"))
        #expect(message([], []).contains("at least one output"))
    }

    @Test func symbolicDimsStaySymbolic() throws {
        // x: float32[batch,2] -> Relu -> MatMul(w) -> Relu
        let g = Graph(
            nodes: [
                Node(name: "/act/Relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "/fc/MatMul", opType: "MatMul", inputs: ["a", "w"], outputs: ["b"]),
                Node(name: "/Relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
            ],
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.symbolic("batch"), .known(2)]))],
            outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.symbolic("batch"), .known(3)]))],
            initializers: [("w", try f32([2, 3], [1, 2, 3, 4, 5, 6]))])
        let m = Model(graph: g)
        let r = try cut(model: m, names: ModelNames(model: m), inputs: [("act", nil)], outputs: [("fc", nil)], keepOriginalOutputs: false)
        #expect(r.model.graph.inputs.map(\.type.description) == ["float32[batch,2]"])
        #expect(r.model.graph.outputs.map(\.type.description) == ["float32[batch,3]"])
    }
}

@Suite struct CutRenameTests {
    @Test(arguments: exporters) func renameOriginalInputAndPassThrough(_ e: String) throws {
        let m = try sample("summary", e)
        let names = ModelNames(model: m)
        let x = try reference("summary.x")
        // in=x:inp renames the original input; out=x:echo returns it unchanged.
        let r = try cut(model: m, names: names, inputs: [("x", "inp")], outputs: [("add", nil), ("x", "echo")], keepOriginalOutputs: false)
        #expect(r.model.graph.inputs.map(\.name) == ["inp"])
        #expect(r.model.graph.outputs.map(\.name) == ["add", "echo"])
        let out = try run(r.model, ["inp": x])
        #expect(try isClose(#require(out["add"]), reference("summary.node.add")))
        #expect(try isClose(#require(out["echo"]), x))
        // keep the original outputs next to the new ones.
        let k = try cut(model: m, names: names, inputs: [], outputs: [("add", "my_add")], keepOriginalOutputs: true)
        #expect(k.summary.seedForm == "{'input': ('x',), 'output': (layer2, {'my_add': add})}")
        #expect(k.model.graph.outputs.count == 2)
        let ko = try run(k.model, ["x": x])
        #expect(try isClose(#require(ko[m.graph.outputs[0].name]), reference("summary.y")))
    }
}

@Test func unknownTypesAreWarnedNotGuessed() throws {
    let nodes = [
        Node(name: "/custom/Op", opType: "Mystery", domain: "com.example", inputs: ["x"], outputs: ["a"]),
        Node(name: "/act/Relu", opType: "Relu", inputs: ["a"], outputs: ["b"]),
        Node(name: "/Relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
    ]
    let g = Graph(nodes: nodes, inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.known(2)]))],
                  outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.known(2)]))])
    let m = Model(graph: g, opsetImports: ["": 17, "com.example": 1])
    let r = try cut(model: m, names: ModelNames(model: m), inputs: [("custom", nil)], outputs: [("act", nil)], keepOriginalOutputs: false)
    #expect(r.model.graph.inputs.map(\.type.description) == ["?[?]"])
    #expect(r.summary.warnings.count == 2)
    #expect(r.summary.description.contains("warning: the element type of input 'custom' (made by Mystery) is unknown"))
    let clean = try cut(model: m, names: ModelNames(model: m), inputs: [], outputs: [("relu", nil)], keepOriginalOutputs: true)
    #expect(clean.summary.warnings.isEmpty)
}
