import Foundation
import Surgeon
import SurgeonONNX
import Testing

@Test(.enabled(if: ProcessInfo.processInfo.environment["SURGEON_DEBUG"] != nil)) func zzDebug() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: bigModelsDir + "/bert-tiny-names.json"))
    let tv = (try JSONSerialization.jsonObject(with: data) as? [String: [String]])?["layers"] ?? []
    for e in ["dynamo", "legacy"] {
        let m = try ONNXImport.load(path: bigModelsDir + "/bert-tiny-\(e).onnx")
        let o = ModelOverview(model: m)
        let n = o.names
        print("==", e, n.exporter, "layers missing vs torch:", tv.filter { !n.layers.contains($0) }, "extra:", n.layers.filter { !tv.contains($0) })
        print("folded:", n.folded.keys.sorted())
        print(n.nodes.filter { !$0.hasPrefix("identity") }.prefix(90).joined(separator: " "))
        print("output", m.graph.outputs.map { "\($0.name) \(o.types[$0.name]?.description ?? "-")" })
        let unknown = m.graph.nodes.flatMap(\.outputs).filter { (o.types[$0]?.dims == nil) || o.types[$0]?.dims?.contains(.unknown) == true }
        print("unknown types:", unknown.count, unknown.prefix(10))
        print(try o.info("bert.encoder.layer.0.attention.self"))
        print(try o.info("bert.encoder.layer.0.attention.self.query"))
    }
}
