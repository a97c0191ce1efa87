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
    // No base directory: external data is refused instead of read from disk.
    guard let model = try? ONNXImport.decode(data, baseDirectory: nil, source: "fuzz") else { return 0 }
    let names = ModelNames(model: model)
    for n in names.nodes.prefix(16) { _ = try? names.resolve(n, in: model) }
    _ = Interpreter(model: model).unsupportedOps()
    if let bytes = try? ONNXExport.encode(model) {
        _ = try? ONNXImport.decode(bytes, baseDirectory: nil, source: "fuzz round trip")
    }
    return 0
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
