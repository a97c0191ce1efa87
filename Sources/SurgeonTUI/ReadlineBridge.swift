@preconcurrency import CReadline
import Foundation
import SurgeonShell

/// Every access to readline's C globals lives here (see DECISIONS.md). Readline is used two
/// ways: the plain prompt calls `readline()`; the full screen runs it through the callback
/// interface and never lets it touch the terminal (the rlncurses pattern): ncurses owns the
/// terminal, keys are fed to readline as bytes, and the screen draws `lineText` itself.
///
/// Only the main thread touches these statics.
enum ReadlineBridge {
    /// Completion candidates for the current line (commands, names, keys).
    nonisolated(unsafe) static var completionWords: [String] = []
    nonisolated(unsafe) static var matches: [String] = []
    /// Bytes waiting to be read by readline (callback mode).
    nonisolated(unsafe) static var input: [UInt8] = []
    nonisolated(unsafe) static var inputPosition = 0
    /// Lines, end of input and completion listings produced while feeding bytes.
    nonisolated(unsafe) static var events: [LineEvent] = []
    nonisolated(unsafe) static var devNull: UnsafeMutablePointer<FILE>?

    static var historyPath: String {
        if let p = ProcessInfo.processInfo.environment["SURGEON_HISTORY"] { return p }
        return (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.surgeon_history"
    }

    static func loadHistory() {
        using_history()
        stifle_history(2000)
        read_history(historyPath)
    }

    static func saveHistory() {
        write_history(historyPath)
        history_truncate_file(historyPath, 2000)
    }

    static func addHistory(_ line: String) { add_history(line) }

    /// Completion of commands, names and keys; file names after load/save/export (readline's own).
    static func installCompletion() {
        rl_attempted_completion_function = { text, start, _ in
            guard let text else { return nil }
            let prefix = String(cString: text)
            let line = rl_line_buffer.map { String(cString: $0) } ?? ""
            let before = String(decoding: Array(line.utf8).prefix(Int(start)), as: UTF8.self)
            let firstWord = before.split(separator: " ").first.map(String.init) ?? ""
            if ["load", "save", "export"].contains(firstWord) && !before.trimmingCharacters(in: .whitespaces).isEmpty && before != firstWord {
                return nil
            }
            ReadlineBridge.matches = ReadlineBridge.completionWords.filter { $0.hasPrefix(prefix) }.sorted()
            if ReadlineBridge.matches.isEmpty { return nil }
            rl_attempted_completion_over = 1
            let found = ReadlineBridge.matches
            let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: found.count + 2)
            // First entry: the common prefix (readline's convention).
            var common = found[0]
            for m in found.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
            array[0] = strdup(common)
            for (i, m) in found.enumerated() { array[i + 1] = strdup(m) }
            array[found.count + 1] = nil
            return array
        }
    }

    /// Plain mode: one line with readline's own terminal handling; nil at end of input.
    nonisolated(unsafe) static var atPrompt = false

    /// Plain-mode read. Ctrl-C at the prompt drops the line being typed; during a command it
    /// sets `Interrupt.flag`, which stops a run between nodes.
    static func readLine(prompt: String) -> String? {
        rl_catch_signals = 1
        signal(SIGINT) { _ in
            Interrupt.flag = 1
            if ReadlineBridge.atPrompt {
                fputs("\n", stdout)
                rl_replace_line("", 0)
                rl_on_new_line()
                rl_redisplay()
            }
        }
        atPrompt = true
        let read = readline(prompt)
        atPrompt = false
        guard let cline = read else { return nil }
        defer { free(cline) }
        return String(cString: cline)
    }

    // MARK: callback mode

    static func startCallbackMode(width: Int, height: Int) {
        rl_catch_signals = 0
        rl_catch_sigwinch = 0
        rl_change_environment = 0
        rl_readline_name = UnsafePointer(strdup("surgeon-shell"))
        devNull = fopen("/dev/null", "w")
        if let devNull { rl_outstream = devNull }
        rl_prep_term_function = { _ in }
        rl_deprep_term_function = {}
        rl_redisplay_function = {}
        rl_getc_function = { _ in
            guard ReadlineBridge.inputPosition < ReadlineBridge.input.count else { return 0 }
            let b = ReadlineBridge.input[ReadlineBridge.inputPosition]
            ReadlineBridge.inputPosition += 1
            return Int32(b)
        }
        rl_input_available_hook = { ReadlineBridge.inputPosition < ReadlineBridge.input.count ? 1 : 0 }
        rl_completion_display_matches_hook = { list, count, _ in
            guard let list, count > 0 else { return }
            var items: [String] = []
            for i in 1...Int(count) { if let p = list[i] { items.append(String(cString: p)) } }
            ReadlineBridge.events.append(.message(items.joined(separator: "  ")))
        }
        installCompletion()
        loadHistory()
        rl_callback_handler_install("", { line in
            if let line {
                ReadlineBridge.events.append(.line(String(cString: line)))
                free(line)
            } else {
                ReadlineBridge.events.append(.endOfInput)
            }
        })
        rl_variable_bind("bell-style", "none")
        rl_variable_bind("enable-bracketed-paste", "off")
        resize(width: width, height: height)
    }

    /// Feeds bytes to readline; returns what they produced.
    static func feed(_ bytes: [UInt8]) -> [LineEvent] {
        input = bytes
        inputPosition = 0
        events = []
        while inputPosition < input.count {
            let before = inputPosition
            rl_callback_read_char()
            if inputPosition == before { break }
        }
        input = []
        inputPosition = 0
        return events
    }

    /// The line being edited, and the cursor as a byte offset into it.
    static var lineText: String {
        guard let buf = rl_line_buffer else { return "" }
        let end = Int(max(0, rl_end))
        return String(decoding: UnsafeRawBufferPointer(start: buf, count: end).bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// Display columns from the line's start to the cursor (`rl_point` counts bytes).
    static var cursorColumn: Int {
        guard let buf = rl_line_buffer else { return 0 }
        let point = Int(max(0, min(rl_point, rl_end)))
        let prefix = String(decoding: UnsafeRawBufferPointer(start: buf, count: point).bindMemory(to: UInt8.self), as: UTF8.self)
        return displayWidth(prefix)
    }

    static func replaceLine(_ s: String) {
        rl_replace_line(s, 0)
        rl_point = rl_end
    }

    static func cancelLine() {
        rl_replace_line("", 0)
        rl_point = 0
        rl_mark = 0
    }

    static func resize(width: Int, height: Int) {
        rl_set_screen_size(Int32(max(1, height)), Int32(max(1, width)))
    }

    static func stopCallbackMode() {
        rl_callback_handler_remove()
        saveHistory()
        if let devNull { fclose(devNull); ReadlineBridge.devNull = nil }
    }
}

/// The full screen's prompt: readline through the callback interface.
public final class ReadlineEditor: LineEditor {
    public var prompt = "> "
    /// Completion candidates, asked before each key.
    public var completions: () -> [String] = { [] }
    private var started = false

    public init() {}

    public func start(width: Int, height: Int) {
        ReadlineBridge.startCallbackMode(width: width, height: height)
        started = true
    }

    public var text: String { started ? ReadlineBridge.lineText : "" }
    public var cursorColumn: Int { started ? ReadlineBridge.cursorColumn : 0 }

    public func feed(_ key: Key) -> [LineEvent] {
        guard started else { return [] }
        // A lone Escape would start a meta sequence and swallow the next key.
        if key == .escape { return [] }
        if key == .tab { ReadlineBridge.completionWords = completions() }
        return ReadlineBridge.feed(key.bytes)
    }

    public func setText(_ s: String) { if started { ReadlineBridge.replaceLine(s) } }
    public func addHistory(_ line: String) { ReadlineBridge.addHistory(line) }
    public func cancelLine() { if started { ReadlineBridge.cancelLine() } }
    public func resize(width: Int, height: Int) { if started { ReadlineBridge.resize(width: width, height: height) } }

    public func stop() {
        if started { ReadlineBridge.stopCallbackMode() }
        started = false
    }
}
