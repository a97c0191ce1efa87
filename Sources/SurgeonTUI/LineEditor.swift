/// What the prompt reports back after a key.
public enum LineEvent: Equatable, Sendable {
    /// A finished line (Enter).
    case line(String)
    /// Ctrl-D on an empty line.
    case endOfInput
    /// Text for the transcript (completion matches).
    case message(String)
}

/// The prompt's line editor: readline in the real program, a small Swift editor in tests.
/// The screen draws `prompt + text` on the bottom line and puts the cursor at `cursorColumn`.
public protocol LineEditor: AnyObject {
    var prompt: String { get set }
    /// The line being edited.
    var text: String { get }
    /// Display columns from the start of `text` to the cursor.
    var cursorColumn: Int { get }
    func feed(_ key: Key) -> [LineEvent]
    /// Replaces the line (e.g. `c` in the tree starts a `cut` command) with the cursor at its end.
    func setText(_ s: String)
    func addHistory(_ line: String)
    /// Drops the line being edited (Ctrl-C).
    func cancelLine()
    func resize(width: Int, height: Int)
}

/// A minimal editor for headless tests: insert, backspace, left/right, history, tab completion.
public final class SimpleLineEditor: LineEditor {
    public var prompt = "> "
    var chars: [Character] = []
    var point = 0
    var history: [String] = []
    var historyIndex = 0
    /// Completion candidates (set by the screen before each line).
    public var completions: () -> [String] = { [] }

    public init() {}

    public var text: String { String(chars) }
    public var cursorColumn: Int { displayWidth(String(chars[0..<point])) }

    public func feed(_ key: Key) -> [LineEvent] {
        switch key {
        case .char(let c): chars.insert(c, at: point); point += 1
        case .backspace: if point > 0 { chars.remove(at: point - 1); point -= 1 }
        case .delete: if point < chars.count { chars.remove(at: point) }
        case .left, .ctrl("b"): point = max(0, point - 1)
        case .right, .ctrl("f"): point = min(chars.count, point + 1)
        case .home, .ctrl("a"): point = 0
        case .end, .ctrl("e"): point = chars.count
        case .ctrl("k"): chars.removeSubrange(point...); 
        case .ctrl("u"): chars.removeSubrange(..<point); point = 0
        case .up:
            if historyIndex > 0 { historyIndex -= 1; setText(history[historyIndex]) }
        case .down:
            if historyIndex < history.count - 1 { historyIndex += 1; setText(history[historyIndex]) } else { historyIndex = history.count; setText("") }
        case .ctrl("d"):
            if chars.isEmpty { return [.endOfInput] }
            if point < chars.count { chars.remove(at: point) }
        case .enter:
            let line = text
            chars = []
            point = 0
            historyIndex = history.count
            return [.line(line)]
        case .tab:
            return complete()
        default: break
        }
        return []
    }

    func complete() -> [LineEvent] {
        let before = String(chars[0..<point])
        let start = before.lastIndex(where: { $0 == " " || $0 == "=" || $0 == "," || $0 == "(" }).map { before.index(after: $0) } ?? before.startIndex
        let word = String(before[start...])
        let matches = completions().filter { $0.hasPrefix(word) }.sorted()
        guard let first = matches.first else { return [] }
        var common = first
        for m in matches.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
        var insert = String(common.dropFirst(word.count))
        if matches.count == 1 && !insert.hasSuffix("(") { insert += " " }
        chars.insert(contentsOf: insert, at: point)
        point += insert.count
        return matches.count > 1 && insert.isEmpty ? [.message(matches.joined(separator: "  "))] : []
    }

    public func setText(_ s: String) { chars = Array(s); point = chars.count }
    public func addHistory(_ line: String) { history.append(line); historyIndex = history.count }
    public func cancelLine() { chars = []; point = 0 }
    public func resize(width: Int, height: Int) {}
}
