import Foundation
import Surgeon
import SurgeonONNX
import Testing

@Test(.enabled(if: ProcessInfo.processInfo.environment["SURGEON_DEBUG"] != nil)) func debugPrintNames() throws {
    for f in ["resnet18-dynamo", "resnet18-legacy"] {
        let m = try ONNXImport.load(path: bigModelsDir + "/\(f).onnx")
        let n = ModelNames(model: m)
        print(f, n.nodes.joined(separator: " "))
        print(n.folded.keys.sorted())
        print(n.occurrences["layer1"]?.map(\.outputs) ?? [], n.occurrences["layer1.0.relu"]?.map(\.outputs) ?? [])
    }
}
