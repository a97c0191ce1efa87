import SurgeonShell

/// What the terminal can show: no colour (NO_COLOR, or a monochrome terminal), the 8 basic
/// colours, the xterm 256-colour palette, or 24-bit direct colour.
public enum ColorMode: Sendable, Equatable {
    case none, basic8, xterm256, direct

    /// Colour numbers of a direct-colour terminal (ncurses `COLORS` of `xterm-direct` and kin).
    public static let directColors = 1 << 24

    /// Picks the mode from the environment and the number of colours ncurses reports for the
    /// terminal it started (2^24 for direct-colour descriptions; see `TerminalChoice`).
    public static func detect(environment: [String: String], colors: Int) -> ColorMode {
        if environment["NO_COLOR"] != nil { return .none }
        if colors >= directColors { return .direct }
        if colors >= 256 { return .xterm256 }
        if colors >= 8 { return .basic8 }
        return .none
    }

    /// Heatmaps need a colour ramp (256 colours or direct); otherwise they use greyscale blocks.
    public var heatmapInColor: Bool { self == .xterm256 || self == .direct }

    /// The chrome uses the 256-colour palette (also in direct colour, converted by the driver).
    var has256: Bool { self == .xterm256 || self == .direct }
}

/// Which terminal description ncurses starts with. 24-bit colour needs a description whose
/// `setaf`/`setab` take RGB values (`colors#0x1000000` with the `RGB` flag, as ncurses'
/// `*-direct` entries): when COLORTERM says `truecolor` or `24bit` but TERM's description has
/// fewer colours, `<TERM up to its first '-'>-direct` is used if the terminfo database has it
/// (`xterm-256color` → `xterm-direct`, `tmux-256color` → `tmux-direct`). Otherwise TERM as is.
public enum TerminalChoice {
    /// What a terminal description offers: its `colors` number and `RGB` flag (nil: no such description).
    public typealias Probe = (String) -> (colors: Int, rgb: Bool)?

    public static func wantsTruecolor(_ environment: [String: String]) -> Bool {
        guard environment["NO_COLOR"] == nil, let c = environment["COLORTERM"]?.lowercased() else { return false }
        return c == "truecolor" || c == "24bit"
    }

    /// The description to start ncurses with instead of TERM, or nil for TERM itself.
    public static func terminalName(environment: [String: String], probe: Probe) -> String? {
        guard wantsTruecolor(environment), let term = environment["TERM"], !term.isEmpty, term != "dumb" else { return nil }
        if let t = probe(term), t.colors >= ColorMode.directColors { return nil }
        let base = term.split(separator: "-").first.map(String.init) ?? term
        let candidate = base + "-direct"
        guard candidate != term, let c = probe(candidate), c.colors >= ColorMode.directColors else { return nil }
        return candidate
    }
}

/// Colours of the screen's chrome and the heatmap ramp.
public enum Palette {
    /// A viridis-like ramp (dark purple → blue → green → yellow), sampled from matplotlib's
    /// viridis control points and mapped to the nearest xterm-256 colour.
    public static let ramp: [Int] = HeatmapScale.ramp(levels: 24).map { nearestXterm($0.r, $0.g, $0.b) }

    /// Greyscale blocks for terminals without 256 colours, darkest first.
    public static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// The xterm-256 index (cube 16–231 or grey 232–255) nearest to an RGB colour.
    static func nearestXterm(_ r: Double, _ g: Double, _ b: Double) -> Int {
        let levels: [Double] = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ v: Double) -> Int {
            var best = 0
            for (i, l) in levels.enumerated() where abs(l - v) < abs(levels[best] - v) { best = i }
            return best
        }
        let ri = nearestLevel(r), gi = nearestLevel(g), bi = nearestLevel(b)
        let cube = 16 + 36 * ri + 6 * gi + bi
        let dc = pow2(levels[ri] - r) + pow2(levels[gi] - g) + pow2(levels[bi] - b)
        let grey = (r + g + b) / 3
        let gk = max(0, min(23, Int(((grey - 8) / 10).rounded())))
        let gv = Double(8 + 10 * gk)
        let dg = pow2(gv - r) + pow2(gv - g) + pow2(gv - b)
        return dg < dc ? 232 + gk : cube
    }

    static func pow2(_ x: Double) -> Double { x * x }

    /// xterm's default colour of a 256-palette index (0–15 the system colours, 16–231 the
    /// 6×6×6 cube, 232–255 the grey ramp).
    static func xtermRGB(_ index: Int) -> RGB {
        let system: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (0xcd, 0, 0), (0, 0xcd, 0), (0xcd, 0xcd, 0), (0, 0, 0xee), (0xcd, 0, 0xcd), (0, 0xcd, 0xcd), (0xe5, 0xe5, 0xe5),
            (0x7f, 0x7f, 0x7f), (0xff, 0, 0), (0, 0xff, 0), (0xff, 0xff, 0), (0x5c, 0x5c, 0xff), (0xff, 0, 0xff), (0, 0xff, 0xff), (0xff, 0xff, 0xff),
        ]
        let i = max(0, min(255, index))
        if i < 16 { let c = system[i]; return RGB(c.0, c.1, c.2) }
        if i >= 232 { let v = UInt8(8 + 10 * (i - 232)); return RGB(v, v, v) }
        let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
        let k = i - 16
        return RGB(levels[k / 36], levels[(k / 6) % 6], levels[k % 6])
    }

    // Chrome.
    static func border(_ mode: ColorMode, focused: Bool) -> CellStyle {
        switch mode {
        case .none: return focused ? .bold : .plain
        case .basic8: return CellStyle(fg: focused ? 6 : 7, bold: focused)
        case .xterm256, .direct: return CellStyle(fg: focused ? 75 : 244, bold: focused)
        }
    }

    static func title(_ mode: ColorMode, focused: Bool) -> CellStyle {
        mode == .none ? CellStyle(bold: true, reverse: focused) : CellStyle(fg: focused ? 15 : 250, bg: focused ? (mode.has256 ? 25 : 4) : -1, bold: true)
    }

    static func selection(_ mode: ColorMode, focused: Bool) -> CellStyle {
        switch mode {
        case .none: return CellStyle(reverse: true)
        case .basic8: return CellStyle(fg: 0, bg: focused ? 6 : 7)
        case .xterm256, .direct: return CellStyle(fg: 15, bg: focused ? 25 : 238)
        }
    }

    static func dim(_ mode: ColorMode) -> CellStyle {
        switch mode {
        case .none: return .plain
        case .basic8: return CellStyle(fg: 6)
        case .xterm256, .direct: return CellStyle(fg: 245)
        }
    }

    static func accent(_ mode: ColorMode) -> CellStyle {
        switch mode {
        case .none: return .plain
        case .basic8: return CellStyle(fg: 3)
        case .xterm256, .direct: return CellStyle(fg: 179)
        }
    }

    static func error(_ mode: ColorMode) -> CellStyle {
        mode == .none ? .bold : CellStyle(fg: mode.has256 ? 203 : 1)
    }

    static func header(_ mode: ColorMode) -> CellStyle {
        mode == .none ? .reverse : CellStyle(fg: 15, bg: mode.has256 ? 236 : 4)
    }
}

extension CellGrid {
    /// A box around `r` with a title on its top edge.
    mutating func box(_ r: Rect, title: String, mode: ColorMode, focused: Bool) {
        guard r.width >= 2, r.height >= 2 else { return }
        let s = Palette.border(mode, focused: focused)
        put("┌" + String(repeating: "─", count: r.width - 2) + "┐", x: r.x, y: r.y, style: s)
        for y in (r.y + 1)..<(r.maxY - 1) {
            put("│", x: r.x, y: y, style: s)
            put("│", x: r.maxX - 1, y: y, style: s)
        }
        put("└" + String(repeating: "─", count: r.width - 2) + "┘", x: r.x, y: r.maxY - 1, style: s)
        if r.width > 6 {
            put(" " + truncated(title, r.width - 6) + " ", x: r.x + 2, y: r.y, style: Palette.title(mode, focused: focused))
        }
    }
}
