/// One word of a command line: bare, quoted, or `key=value`, with its column.
public struct Word: Equatable, Sendable {
    /// The text with quotes removed and escapes applied.
    public var text: String
    /// The original characters (quotes kept), for expression parsing.
    public var raw: String
    public var column: Int
    public var quoted: Bool

    /// `key=value` split at the first `=` outside quotes and brackets, if any.
    public var keyValue: (key: String, value: String, valueRaw: String, valueColumn: Int)? {
        var depth = 0, inQuote = false, escape = false
        for (i, ch) in raw.enumerated() {
            if escape { escape = false; continue }
            if inQuote { if ch == "\\" { escape = true } else if ch == "\"" { inQuote = false }; continue }
            switch ch {
            case "\"": inQuote = true
            case "(", "[": depth += 1
            case ")", "]": depth -= 1
            case "=" where depth == 0 && i > 0:
                let k = String(raw.prefix(i)), v = String(raw.dropFirst(i + 1))
                return (unquote(k), unquote(v), v, column + i + 1)
            default: break
            }
        }
        return nil
    }
}

/// Removes surrounding quotes and applies `\"` and `\\` escapes.
public func unquote(_ s: String) -> String {
    guard s.count >= 2, s.first == "\"", s.last == "\"" else { return s }
    var out = "", escape = false
    for ch in s.dropFirst().dropLast() {
        if escape { out.append(ch); escape = false } else if ch == "\\" { escape = true } else { out.append(ch) }
    }
    return out
}

/// A command: its text and where it starts in its line.
public struct CommandText: Equatable, Sendable {
    public var text: String
    public var column: Int
}

/// Splits a line into commands at `;` and drops a `#` comment (both outside quotes and brackets).
public func splitCommands(_ line: String) throws -> [CommandText] {
    var out: [CommandText] = []
    var current = "", start = 0, depth = 0, inQuote = false, escape = false
    for (i, ch) in line.enumerated() {
        if escape { current.append(ch); escape = false; continue }
        if inQuote {
            current.append(ch)
            if ch == "\\" { escape = true } else if ch == "\"" { inQuote = false }
            continue
        }
        if ch == "#" { break }
        if ch == ";" && depth == 0 {
            out.append(CommandText(text: current, column: start))
            current = ""
            start = i + 1
            continue
        }
        if ch == "\"" { inQuote = true }
        if ch == "(" || ch == "[" { depth += 1 }
        if ch == ")" || ch == "]" { depth -= 1 }
        current.append(ch)
    }
    if inQuote { throw ShellError("unterminated string: a '\"' is not closed", column: line.count) }
    out.append(CommandText(text: current, column: start))
    return out.filter { !$0.text.allSatisfy(\.isWhitespace) }
}

/// Splits a command into words at whitespace outside quotes and brackets.
public func splitWords(_ text: String, column: Int = 0) throws -> [Word] {
    var words: [Word] = []
    var raw = "", wordStart = 0, depth = 0, inQuote = false, escape = false, quoted = false
    func flush() {
        if !raw.isEmpty {
            words.append(Word(text: quoted && raw.first == "\"" && raw.last == "\"" ? unquote(raw) : raw,
                              raw: raw, column: column + wordStart, quoted: quoted))
        }
        raw = ""
        quoted = false
    }
    for (i, ch) in text.enumerated() {
        if escape { raw.append(ch); escape = false; continue }
        if inQuote {
            raw.append(ch)
            if ch == "\\" { escape = true } else if ch == "\"" { inQuote = false }
            continue
        }
        if ch.isWhitespace && depth <= 0 { flush(); continue }
        if raw.isEmpty { wordStart = i }
        if ch == "\"" { inQuote = true; quoted = true }
        if ch == "(" || ch == "[" { depth += 1 }
        if ch == ")" || ch == "]" { depth -= 1 }
        raw.append(ch)
    }
    if inQuote { throw ShellError("unterminated string", column: column + text.count) }
    if depth > 0 { throw ShellError("unclosed bracket", column: column + text.count) }
    flush()
    return words
}
