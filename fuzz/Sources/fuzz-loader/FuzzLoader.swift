import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// libFuzzer entry: bytes as an ONNX file. Loading must either succeed or throw; a loaded
/// model must name its nodes, list what it cannot run, and survive a save/load round trip.
public func fuzzLoader(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    tensorByteLimit = 64 << 20
    MemoryBudget.ceiling = 64 << 20  // also under `set memory 1T`
    let data = Data(bytes: start, count: count)
    // The file path (mmap, large raw_data stripped before protobuf and borrowed from the
    // mapping) must agree with decoding the bytes whole.
    let fromFile = loadThroughFile(data)
    // No base directory: external data is refused instead of read from disk.
    guard let model = try? ONNXImport.decode(data, baseDirectory: nil, source: "fuzz") else { return 0 }
    if !usesExternalData(model) {
        guard let fromFile else { fatalError("decode succeeded but load(path:) failed") }
        guard sameInitializers(model, fromFile) else { fatalError("load(path:) and decode disagree on initializers") }
    }
    let names = ModelNames(model: model)
    for n in names.nodes.prefix(16) { _ = try? names.resolve(n, in: model) }
    _ = Interpreter(model: model).unsupportedOps()
    if let bytes = try? ONNXExport.encode(model) {
        _ = try? ONNXImport.decode(bytes, baseDirectory: nil, source: "fuzz round trip")
    }
    return 0
}

/// A per-process empty folder, so external-data references find nothing.
let fuzzFolder: String = {
    let dir = NSTemporaryDirectory() + "surgeon-fuzz-loader-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

func loadThroughFile(_ data: Data) -> Model? {
    let path = fuzzFolder + "/model.onnx"
    guard (try? data.write(to: URL(fileURLWithPath: path))) != nil else { return nil }
    return try? ONNXImport.load(path: path)
}

func usesExternalData(_ model: Model) -> Bool {
    // decode without a base directory refuses external data, so a model it returns has none;
    // kept as a hook in case that changes.
    false
}

func sameInitializers(_ a: Model, _ b: Model) -> Bool {
    guard a.graph.initializers.count == b.graph.initializers.count else { return false }
    for (name, t) in a.graph.initializers {
        guard let u = b.graph.initializers[name], u.dtype == t.dtype, u.shape == t.shape else { return false }
        if t.dtype == .string { if t.strings != u.strings { return false }; continue }
        guard t.byteCount == u.byteCount else { return false }
        if t.byteCount > 0 && memcmp(t.rawPointer, u.rawPointer, t.byteCount) != 0 { return false }
    }
    return true
}

/// libFuzzer's driver, entered from our own `main`: SwiftPM links executables with their
/// entry point renamed (main = <target>_main), so libFuzzer's `main` cannot be used directly.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct FuzzLoaderMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzLoader(data, size) }))
    }
}
