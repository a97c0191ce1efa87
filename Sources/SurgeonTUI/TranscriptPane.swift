/// Everything the session wrote, with scrollback: commands echoed, results, errors.
public final class TranscriptPane {
    public enum Kind: Sendable { case command, output, error, note }

    public struct Line: Sendable {
        public var text: String
        public var kind: Kind
    }

    public private(set) var lines: [Line] = []
    /// Lines kept; older ones are dropped.
    public var limit = 10_000
    /// Rows scrolled back from the bottom (0 = following the end).
    public private(set) var scrollBack = 0
    var pageRows = 10

    public init() {}

    /// Appends text (several lines if it has newlines). ANSI escapes are removed.
    public func append(_ text: String, kind: Kind = .output) {
        for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(Line(text: Self.stripEscapes(String(part)).replacingOccurrences(of: "\t", with: "    "), kind: kind))
        }
        if lines.count > limit { lines.removeFirst(lines.count - limit) }
        scrollBack = 0
    }

    public func clear() { lines = []; scrollBack = 0 }

    static func stripEscapes(_ s: String) -> String {
        guard s.contains("\u{1B}") else { return s }
        var out = "", inEscape = false
        for ch in s {
            if inEscape { if let a = ch.asciiValue, a >= 0x40 && a <= 0x7E && ch != "[" { inEscape = false }; continue }
            if ch == "\u{1B}" { inEscape = true; continue }
            out.append(ch)
        }
        return out
    }

    /// Lines wrapped to `width` columns, each with its kind.
    func wrapped(_ width: Int) -> [Line] {
        guard width > 0 else { return [] }
        var out: [Line] = []
        for l in lines {
            if displayWidth(l.text) <= width { out.append(l); continue }
            var cur = "", w = 0
            for ch in l.text {
                let cw = displayWidth(ch)
                if w + cw > width { out.append(Line(text: cur, kind: l.kind)); cur = ""; w = 0 }
                cur.append(ch)
                w += cw
            }
            out.append(Line(text: cur, kind: l.kind))
        }
        return out
    }

    public func handle(_ key: Key) -> Bool {
        switch key {
        case .pageUp: scrollBack += max(1, pageRows - 1)
        case .pageDown: scrollBack = max(0, scrollBack - max(1, pageRows - 1))
        case .up, .char("k"): scrollBack += 1
        case .down, .char("j"): scrollBack = max(0, scrollBack - 1)
        case .home, .char("g"): scrollBack = Int.max / 2
        case .end, .char("G"): scrollBack = 0
        default: return false
        }
        return true
    }

    public func draw(into g: inout CellGrid, rect r: Rect, mode: ColorMode) {
        guard r.width > 0, r.height > 0 else { return }
        pageRows = r.height
        let w = wrapped(r.width)
        scrollBack = max(0, min(scrollBack, max(0, w.count - r.height)))
        let end = w.count - scrollBack
        let start = max(0, end - r.height)
        for (k, line) in w[start..<end].enumerated() {
            let style: CellStyle
            switch line.kind {
            case .command: style = .bold
            case .output: style = .plain
            case .error: style = Palette.error(mode)
            case .note: style = Palette.dim(mode)
            }
            g.put(line.text, x: r.x, y: r.y + k, style: style, clip: r)
        }
        if scrollBack > 0 {
            let tag = " ↑ \(scrollBack) more below (PgDn) "
            g.put(tag, x: r.maxX - displayWidth(tag), y: r.maxY - 1, style: .reverse, clip: r)
        }
    }
}
