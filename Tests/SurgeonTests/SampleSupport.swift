import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// The repository root, found from this file's path.
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let samplesDir = repoRoot + "/samples"
let referenceDir = samplesDir + "/reference"

/// `samples/models/<name>-<exporter>.onnx`.
func sample(_ name: String, _ exporter: String) throws -> Model {
    try ONNXImport.load(path: "\(samplesDir)/models/\(name)-\(exporter).onnx")
}

func reference(_ name: String) throws -> Tensor {
    try NPY.read(path: "\(referenceDir)/\(name).npy")
}

let exporters = ["dynamo", "legacy"]

/// The standard kernels plus Sigmoid, Tanh and Identity for the samples (test-only until they land in
/// SurgeonGraph).
let testRegistry: OpRegistry = {
    var r = OpRegistry.standard
    if !r.supports(domain: "", op: "Sigmoid") {
        r.register("Sigmoid") { ctx in
            let x = try ctx.tensor(0)
            return [.tensor(try Tensor(shape: x.shape, scalars: x.floatArray().map { 1 / (1 + Float(exp(Double(-$0)))) }))]
        }
    }
    if !r.supports(domain: "", op: "Tanh") {
        r.register("Tanh") { ctx in
            let x = try ctx.tensor(0)
            return [.tensor(try Tensor(shape: x.shape, scalars: x.floatArray().map { Float(tanh(Double($0))) }))]
        }
    }
    if !r.supports(domain: "", op: "Identity") {
        r.register("Identity") { ctx in [ctx.value(0) ?? .optional(nil)] }
    }
    return r
}()

/// Runs `model` with `feeds`, asking for `outputs` (nil: graph outputs).
func run(_ model: Model, _ feeds: [String: Tensor], outputs: [String]? = nil) throws -> [String: Tensor] {
    let result = try Interpreter(model: model, registry: testRegistry)
        .run(feeds: feeds.mapValues { .tensor($0) }, outputs: outputs)
    return try result.mapValues { try $0.asTensor() }
}

/// Big models for local checks (not in git): /work/big-models or $SURGEON_BIG_MODELS.
let bigModelsDir = ProcessInfo.processInfo.environment["SURGEON_BIG_MODELS"] ?? "/work/big-models"
