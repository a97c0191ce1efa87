@preconcurrency import CNcursesw
import Foundation
import SurgeonShell

/// How a cell looks: colours and attributes. A colour is -1 (the terminal's default), an index
/// on the xterm 256-colour palette (0–255), or a 24-bit colour made by `CellStyle.rgb`
/// (`rgbFlag` set, 0xRRGGBB below it), which the terminal driver shows as direct colour or as
/// the nearest palette entry.
public struct CellStyle: Hashable, Sendable {
    public static let rgbFlag = 1 << 24

    /// A 24-bit colour value for `fg` / `bg`.
    public static func rgb(_ c: RGB) -> Int { rgbFlag | Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b) }

    /// The 24-bit colour of a colour value made by `rgb`, nil for palette indices and -1.
    public static func rgbValue(_ v: Int) -> RGB? {
        guard v >= 0, v & rgbFlag != 0 else { return nil }
        return RGB(UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }

    /// A colour value as snapshots show it: the index, or `#rrggbb`.
    static func colourText(_ v: Int) -> String { rgbValue(v)?.description ?? String(v) }

    public var fg: Int
    public var bg: Int
    public var bold: Bool
    public var reverse: Bool

    public init(fg: Int = -1, bg: Int = -1, bold: Bool = false, reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.reverse = reverse
    }

    public static let plain = CellStyle()
    public static let bold = CellStyle(bold: true)
    public static let reverse = CellStyle(reverse: true)
}

/// One character cell. A wide character occupies its cell and marks the next one `isContinuation`.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: CellStyle
    public var isContinuation: Bool

    public init(_ text: String = " ", style: CellStyle = .plain, isContinuation: Bool = false) {
        self.text = text
        self.style = style
        self.isContinuation = isContinuation
    }
}

/// A rectangle of cells on the screen.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    /// The rectangle shrunk by `n` cells on every side.
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
}

/// The headless screen: panes draw into it, the ncurses driver copies it to the terminal, and
/// tests read it back as text (`dump()`), as swift-nio's embedded channel stands in for sockets.
public struct CellGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { (x >= 0 && y >= 0 && x < width && y < height) ? cells[y * width + x] : Cell() }
        set { if x >= 0 && y >= 0 && x < width && y < height { cells[y * width + x] = newValue } }
    }

    /// Fills a rectangle with one character and style.
    public mutating func fill(_ r: Rect, _ ch: String = " ", style: CellStyle = .plain) {
        for y in max(0, r.y)..<min(height, r.maxY) where r.x < width {
            for x in max(0, r.x)..<min(width, r.maxX) { cells[y * width + x] = Cell(ch, style: style) }
        }
    }

    /// Writes `text` at (x, y), clipped at `clip` (default: the grid). Returns the column after it.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, clip: Rect? = nil) -> Int {
        let c = clip ?? Rect(x: 0, y: 0, width: width, height: height)
        guard y >= c.y, y < c.maxY, y >= 0, y < height else { return x + displayWidth(text) }
        var col = x
        for ch in text {
            let w = displayWidth(ch)
            if w == 0 { continue }
            if col + w > min(c.maxX, width) { return col + w }
            if col >= max(c.x, 0) {
                self[col, y] = Cell(String(ch), style: style)
                if w == 2 { self[col + 1, y] = Cell("", style: style, isContinuation: true) }
            }
            col += w
        }
        return col
    }

    /// Sets the style of cells without changing their characters.
    public mutating func restyle(_ r: Rect, _ transform: (inout CellStyle) -> Void) {
        for y in max(0, r.y)..<min(height, r.maxY) where r.x < width {
            for x in max(0, r.x)..<min(width, r.maxX) { transform(&cells[y * width + x].style) }
        }
    }

    /// The characters, one line per row, trailing spaces removed.
    public var text: String {
        (0..<height).map(rowText).joined(separator: "\n")
    }

    public func rowText(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s += self[x, y].text }
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// A text snapshot: the characters, then per row the runs of non-default styles as
    /// `row Y: X0-X1 fg/bg[ b][ r]` (colour indices on the 256-colour palette, -1 = default,
    /// `#rrggbb` for 24-bit colours).
    public func dump() -> String {
        var lines = (0..<height).map { "|" + rowText($0) }
        lines.append("--- styles")
        for y in 0..<height {
            var runs: [String] = []
            var x = 0
            while x < width {
                let s = self[x, y].style
                var e = x
                while e + 1 < width && self[e + 1, y].style == s { e += 1 }
                if s != .plain {
                    var d = "\(x)-\(e) \(CellStyle.colourText(s.fg))/\(CellStyle.colourText(s.bg))"
                    if s.bold { d += " b" }
                    if s.reverse { d += " r" }
                    runs.append(d)
                }
                x = e + 1
            }
            if !runs.isEmpty { lines.append("row \(y): " + runs.joined(separator: ", ")) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Terminal columns a character takes (wcwidth; 0 for combining marks, 1 for unknown).
public func displayWidth(_ ch: Character) -> Int {
    var w = 0
    for (k, u) in ch.unicodeScalars.enumerated() {
        let cw = Int(shim_wcwidth(u.value))
        if k == 0 { w = cw < 0 ? (u.value < 32 || u.value == 127 ? 2 : 1) : cw }
    }
    return w
}

public func displayWidth(_ s: String) -> Int { s.reduce(0) { $0 + displayWidth($1) } }

/// `s` cut to at most `width` columns, with `…` when cut.
public func truncated(_ s: String, _ width: Int) -> String {
    guard width > 0 else { return "" }
    if displayWidth(s) <= width { return s }
    var out = "", w = 0
    for ch in s {
        let cw = displayWidth(ch)
        if w + cw > width - 1 { break }
        out.append(ch)
        w += cw
    }
    return out + "…"
}

/// `s` padded with spaces (or cut) to exactly `width` columns.
public func padded(_ s: String, _ width: Int) -> String {
    let t = truncated(s, width)
    return t + String(repeating: " ", count: max(0, width - displayWidth(t)))
}
