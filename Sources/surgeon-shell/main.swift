import ArgumentParser
import Foundation
import SurgeonShell
import SurgeonTUI
import SurgeonTensor

/// Entry point: picks the mode (full screen, plain prompt, script) from the flags and from
/// whether stdin/stdout are terminals.
struct SurgeonShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surgeon-shell",
        abstract: "Look inside ONNX models: layers, nodes, inspect, cut, run, heatmaps.",
        discussion: "With no MODEL, starts on a small built-in demo model. Scripts: surgeon-shell < job.surgeon")

    @Argument(help: "ONNX model files to load (the last one becomes current).")
    var models: [String] = []

    @Flag(help: "Line mode with a readline prompt instead of the full screen.")
    var plain = false

    @Option(help: "Run the commands in FILE, then exit.")
    var script: String?

    @Option(name: .short, help: "Run these commands (separated by ';'), then exit.")
    var commands: String?

    @Flag(help: "Stop at the first failing command (script mode).")
    var bail = false

    @Option(help: "Threads for matrix kernels.")
    var threads: Int?

    @Flag(name: .customLong("no-color"), help: "Never colour output.")
    var noColor = false

    mutating func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        if let threads { setBLASThreads(threads) }
        let stdinTTY = isatty(0) == 1, stdoutTTY = isatty(1) == 1
        let env = ProcessInfo.processInfo.environment
        let session = Session(write: { print($0) })
        session.useColor = stdoutTTY && !noColor && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
        Interrupt.install()
        session.shouldCancel = { Interrupt.requested }
        let runner = ScriptRunner(session: session) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        runner.bail = bail
        if models.isEmpty {
            session.loadDemo()
        } else {
            for m in models {
                do { try session.loadAtStart(m) } catch {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
        var outcome: ScriptRunner.Outcome = .finished
        if let commands {
            outcome = runner.runScript(commands.replacingOccurrences(of: "\n", with: ";"), fileName: "-c")
        } else if let script {
            guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
                FileHandle.standardError.write(Data("error: cannot read script \(script)\n".utf8))
                throw ExitCode(2)
            }
            outcome = runner.runScript(text, fileName: script)
        } else if !stdinTTY {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            outcome = runner.runScript(String(decoding: data, as: UTF8.self), fileName: "<stdin>")
        } else {
            runner.interactive = true
            // The full screen needs both ends on a terminal that can address the cursor.
            let term = env["TERM"] ?? ""
            if stdoutTTY && !plain && !term.isEmpty && term != "dumb" {
                _ = FullScreen.run(runner: runner)
            } else {
                _ = PlainREPL.run(runner: runner)
            }
            return
        }
        if Interrupt.requested { throw ExitCode(130) }
        _ = outcome
        if runner.failures > 0 { throw ExitCode(1) }
    }
}

SurgeonShellCommand.main()
