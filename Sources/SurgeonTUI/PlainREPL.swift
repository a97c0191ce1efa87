import Foundation
import SurgeonShell

/// The `--plain` prompt: GNU readline with history in ~/.surgeon_history and completion of
/// commands, names of the current model, keys and file paths.
public enum PlainREPL {
    public static func run(runner: ScriptRunner) -> Int32 {
        ReadlineBridge.loadHistory()
        ReadlineBridge.installCompletion()
        print("surgeon-shell — `help` lists commands, Ctrl-D quits")
        while true {
            ReadlineBridge.completionWords = runner.session.completionCandidates()
            let prompt = "(\(runner.session.currentName ?? "none")) > "
            Interrupt.clear()
            guard let line = ReadlineBridge.readLine(prompt: prompt) else { print(""); break }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            ReadlineBridge.addHistory(line)
            if case .quit = runner.runLine(line) { break }
            Interrupt.clear()
        }
        ReadlineBridge.saveHistory()
        return 0
    }
}
