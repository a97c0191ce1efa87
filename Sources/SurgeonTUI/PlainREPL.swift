@preconcurrency import CReadline
import Foundation
import SurgeonShell

/// The `--plain` prompt: GNU readline with history in ~/.surgeon_history and completion of
/// commands, names of the current model, keys and file paths.
public enum PlainREPL {
    nonisolated(unsafe) static var completionWords: [String] = []
    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var atPrompt = false

    public static func run(runner: ScriptRunner) -> Int32 {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "."
        let historyPath = home + "/.surgeon_history"
        using_history()
        stifle_history(2000)
        read_history(historyPath)
        rl_attempted_completion_function = { text, start, _ in
            guard let text else { return nil }
            let prefix = String(cString: text)
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            let before = String(line.prefix(Int(start)))
            let firstWord = before.split(separator: " ").first.map(String.init) ?? ""
            // File names after load/save/export: let readline do it.
            if ["load", "save", "export"].contains(firstWord) && !before.trimmingCharacters(in: .whitespaces).isEmpty && before != firstWord {
                return nil
            }
            PlainREPL.matches = PlainREPL.completionWords.filter { $0.hasPrefix(prefix) }.sorted()
            if PlainREPL.matches.isEmpty { return nil }
            rl_attempted_completion_over = 1
            let count = PlainREPL.matches.count
            let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: count + 2)
            // First entry: the common prefix (readline's convention).
            var common = PlainREPL.matches[0]
            for m in PlainREPL.matches.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
            array[0] = strdup(common)
            for (i, m) in PlainREPL.matches.enumerated() { array[i + 1] = strdup(m) }
            array[count + 1] = nil
            return array
        }
        // Ctrl-C at the prompt drops the line being typed; during a run it stops the run between
        // nodes (Interrupt.flag, checked by the interpreter).
        rl_catch_signals = 1
        signal(SIGINT) { _ in
            Interrupt.flag = 1
            if PlainREPL.atPrompt {
                fputs("\n", stdout)
                rl_replace_line("", 0)
                rl_on_new_line()
                rl_redisplay()
            }
        }
        print("surgeon-shell — `help` lists commands, Ctrl-D quits")
        while true {
            completionWords = runner.session.completionCandidates()
            let prompt = "(\(runner.session.currentName ?? "none")) > "
            Interrupt.clear()
            atPrompt = true
            let read = readline(prompt)
            atPrompt = false
            guard let cline = read else { print(""); break }
            let line = String(cString: cline)
            free(cline)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            add_history(line)
            if case .quit = runner.runLine(line) { break }
            Interrupt.clear()
        }
        write_history(historyPath)
        history_truncate_file(historyPath, 2000)
        return 0
    }
}
