import Foundation
import SurgeonShell
import SurgeonTensor

/// libFuzzer entry: bytes as a script for a fresh session on the demo model. Every line must
/// run or fail with an error; nothing may crash. Commands that touch files (load, save, csv=,
/// export, load()) are skipped so the fuzzer cannot write or read anywhere.
public func fuzzCommands(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    tensorByteLimit = 64 << 20
    MemoryBudget.ceiling = 64 << 20  // also under `set memory 1T`
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let lowered = text.lowercased()
    for banned in ["load", "save", "export", "csv"] where lowered.contains(banned) { return 0 }
    let session = Session(baseDirectory: "/nonexistent-surgeon-fuzz", write: { _ in })
    session.loadDemo()
    let runner = ScriptRunner(session: session) { _ in }
    _ = runner.runScript(text, fileName: "fuzz")
    return 0
}

/// libFuzzer's driver, entered from our own `main`: SwiftPM links executables with their
/// entry point renamed (main = <target>_main), so libFuzzer's `main` cannot be used directly.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct FuzzCommandsMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzCommands(data, size) }))
    }
}
