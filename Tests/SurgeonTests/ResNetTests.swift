import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import Testing

/// Checks on ResNet-18 exports (not in git; `python samples/make_samples.py --big DIR`).
@Suite struct ResNetTests {
    static let available = FileManager.default.fileExists(atPath: bigModelsDir + "/resnet18-names.json")

    func torchvisionNames() throws -> (layers: [String], nodes: [String]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: bigModelsDir + "/resnet18-names.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: [String]] ?? [:]
        return (json["layers"] ?? [], json["nodes"] ?? [])
    }

    @Test(.enabled(if: available)) func dynamoLayers() throws {
        let m = try ONNXImport.load(path: bigModelsDir + "/resnet18-dynamo.onnx")
        let names = ModelNames(model: m)
        let tv = try torchvisionNames()
        // Dynamo folds each Conv into the BatchNorm after it.
        #expect(names.layers == tv.layers.filter { names.folded[$0] == nil })
        #expect(Set(names.folded.keys) == Set(tv.layers.filter { $0.hasSuffix("conv1") || $0.hasSuffix("conv2") || $0.hasSuffix("downsample.0") }))
        #expect(names.occurrences["layer1.0.relu"]?.count == 2)
        #expect(names.nodes.contains("layer1.0.relu_1"))
        #expect(names.nodes.contains("layer1.0.add"))
        #expect(Set(names.nodes).count == names.nodes.count)
    }

    @Test(.enabled(if: available)) func legacyLayers() throws {
        let m = try ONNXImport.load(path: bigModelsDir + "/resnet18-legacy.onnx")
        let names = ModelNames(model: m)
        let tv = try torchvisionNames()
        // The TorchScript exporter folds each BatchNorm into the Conv before it; their
        // parameters lose their names, so they are simply absent.
        let batchNorms = Set(tv.layers.filter { $0.hasSuffix("bn1") || $0.hasSuffix("bn2") || $0.hasSuffix("downsample.1") })
        #expect(names.layers == tv.layers.filter { !batchNorms.contains($0) })
        #expect(names.occurrences["layer1.0.relu"]?.count == 2)
        // Every torchvision node name that is not a folded BatchNorm appears.
        let missing = tv.nodes.filter { !batchNorms.contains($0) && !names.nodes.contains($0) }
        #expect(missing == [])
        #expect(Set(names.nodes).count == names.nodes.count)
    }
}

@Suite struct ResNetInfoTests {
    @Test(.enabled(if: ResNetTests.available), arguments: ["dynamo", "legacy"]) func typesInfoAndTree(_ e: String) throws {
        let m = try ONNXImport.load(path: bigModelsDir + "/resnet18-\(e).onnx")
        let o = ModelOverview(model: m)
        let out = try #require(m.graph.outputs.first?.name)
        #expect(ShapeInference.infer(m)[out]?.description == "float32[1,1000]")
        #expect(o.types[out]?.description == "float32[1,1000]")
        let tree = o.tree()
        #expect(tree.root.parameterCount > 11_000_000)
        let text = tree.renderText()
        #expect(text.contains("layer1.0") || text.contains("└─ 0") || text.contains("├─ layer1.0"))
        let conv = try o.info(e == "dynamo" ? "layer1.0.bn1" : "layer1.0.conv1")
        #expect(conv.contains("op:          Conv"))
        #expect(conv.contains("float32[1,64,56,56]"))
        #expect(conv.contains("MACs:        115,605,504"))
        if e == "dynamo" {
            let folded = try o.info("layer1.0.conv1")
            #expect(folded.contains("folded"))
            #expect(folded.contains("layer1.0.bn1"))
            #expect(try o.info("layer1").contains("folded away"))
        }
        let fc = try o.info("fc")
        #expect(fc.contains("MACs:        512,000"))
        let cut = try Surgeon.cut(model: m, names: o.names, inputs: [("layer3", nil)], outputs: [("fc", "logits")], keepOriginalOutputs: false)
        #expect(cut.model.graph.inputs.map(\.type.description) == ["float32[1,256,14,14]"])
        #expect(cut.model.graph.outputs.map(\.type.description) == ["float32[1,1000]"])
        #expect(cut.model.graph.initializers.count < m.graph.initializers.count)
        let dir = cutDir + "/resnet18-\(e)-layer3_to_fc"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ONNXExport.save(cut.model, path: dir + "/model.onnx")
    }
}

/// A tiny random BERT (transformers): multi-node leaf modules, attention, shape chains.
@Suite struct BertTests {
    static let available = FileManager.default.fileExists(atPath: bigModelsDir + "/bert-tiny-names.json")

    @Test(.enabled(if: available), arguments: ["dynamo", "legacy"]) func namesAndTypes(_ e: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: bigModelsDir + "/bert-tiny-names.json"))
        let torchLayers = (try JSONSerialization.jsonObject(with: data) as? [String: [String]])?["layers"] ?? []
        let m = try ONNXImport.load(path: bigModelsDir + "/bert-tiny-\(e).onnx")
        let o = ModelOverview(model: m)
        // Every layer is a real module (modules without nodes, like dropout, are absent). The
        // order is execution order: token_type_embeddings runs before position_embeddings.
        #expect(Set(o.names.layers).isSubset(of: Set(torchLayers)))
        #expect(o.names.layers.count >= 35)
        for name in ["bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.1.output.LayerNorm",
                     "bert.encoder.layer.0.attention.self.query.matmul", "bert.encoder.layer.0.intermediate.intermediate_act_fn"] {
            #expect(o.names.nodes.contains(name), "\(name)")
        }
        // Every value gets a complete type.
        for n in m.graph.nodes { for v in n.outputs where !v.isEmpty {
            #expect(o.types[v]?.dims?.contains(.unknown) == false, "\(v)")
        } }
        let cut = try Surgeon.cut(model: m, names: o.names, inputs: [("bert.encoder.layer.0", "h")],
                                  outputs: [("bert.encoder.layer.1.attention.self", "attn")], keepOriginalOutputs: false)
        #expect(cut.model.graph.inputs.map(\.type.description) == ["float32[1,8,32]"])
        let dir = cutDir + "/bert-tiny-\(e)-layer0_to_attn1"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ONNXExport.save(cut.model, path: dir + "/model.onnx")
    }
}
