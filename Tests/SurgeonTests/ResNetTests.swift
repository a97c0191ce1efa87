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
