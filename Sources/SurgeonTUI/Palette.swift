import SurgeonShell

/// What the terminal can show: no colour (NO_COLOR, or a monochrome terminal), the 8 basic
/// colours, or the xterm 256-colour palette.
public enum ColorMode: Sendable, Equatable {
    case none, basic8, xterm256

    /// Picks the mode from the environment and the number of colours the terminal reports.
    public static func detect(environment: [String: String], colors: Int) -> ColorMode {
        if environment["NO_COLOR"] != nil { return .none }
        if colors >= 256 { return .xterm256 }
        if colors >= 8 { return .basic8 }
        return .none
    }

    /// Heatmaps need the 256-colour ramp; otherwise they use greyscale blocks.
    public var heatmapInColor: Bool { self == .xterm256 }
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

    // Chrome.
    static func border(_ mode: ColorMode, focused: Bool) -> CellStyle {
        switch mode {
        case .none: return focused ? .bold : .plain
        case .basic8: return CellStyle(fg: focused ? 6 : 7, bold: focused)
        case .xterm256: return CellStyle(fg: focused ? 75 : 244, bold: focused)
        }
    }

    static func title(_ mode: ColorMode, focused: Bool) -> CellStyle {
        mode == .none ? CellStyle(bold: true, reverse: focused) : CellStyle(fg: focused ? 15 : 250, bg: focused ? (mode == .xterm256 ? 25 : 4) : -1, bold: true)
    }

    static func selection(_ mode: ColorMode, focused: Bool) -> CellStyle {
        switch mode {
        case .none: return CellStyle(reverse: true)
        case .basic8: return CellStyle(fg: 0, bg: focused ? 6 : 7)
        case .xterm256: return CellStyle(fg: 15, bg: focused ? 25 : 238)
        }
    }

    static func dim(_ mode: ColorMode) -> CellStyle {
        switch mode {
        case .none: return .plain
        case .basic8: return CellStyle(fg: 6)
        case .xterm256: return CellStyle(fg: 245)
        }
    }

    static func accent(_ mode: ColorMode) -> CellStyle {
        switch mode {
        case .none: return .plain
        case .basic8: return CellStyle(fg: 3)
        case .xterm256: return CellStyle(fg: 179)
        }
    }

    static func error(_ mode: ColorMode) -> CellStyle {
        mode == .none ? .bold : CellStyle(fg: mode == .xterm256 ? 203 : 1)
    }

    static func header(_ mode: ColorMode) -> CellStyle {
        mode == .none ? .reverse : CellStyle(fg: 15, bg: mode == .xterm256 ? 236 : 4)
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
