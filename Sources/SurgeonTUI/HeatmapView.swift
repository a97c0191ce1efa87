import Foundation
import SurgeonShell
import SurgeonTensor

/// The heatmap pane's state: a tensor, the two axes shown, the position on the other axes,
/// the reduction used when downsampling, and a cursor that reads the value under it.
public final class HeatmapView {
    public let label: String
    public let tensor: Tensor
    public private(set) var rowAxis: Int
    public private(set) var colAxis: Int
    /// Positions on the axes not shown, in axis order.
    public private(set) var fixed: [Int]
    public var reduction: Reduction = .mean
    /// Cursor in pixels of the current sample.
    public private(set) var cursorRow = 0
    public private(set) var cursorCol = 0

    private var doubles: [Double]?
    private var cache: (key: String, sample: HeatmapSample)?
    private var lastSample: HeatmapSample?

    /// - Parameters:
    ///   - dims: the two axes to show (default: the last two).
    ///   - index: positions on the other axes (default: 0).
    public init(tensor t: Tensor, label: String, dims: [Int]? = nil, index: [Int]? = nil) throws {
        let (x, axes, others, fixed) = try HeatmapText.selection(t, dims: dims, index: index)
        for (k, a) in others.enumerated() where fixed[k] < 0 || fixed[k] >= x.shape[a] {
            throw TensorError("index \(fixed[k]) is out of range for axis \(a) of size \(x.shape[a])")
        }
        self.tensor = x
        self.label = label
        self.rowAxis = axes[0]
        self.colAxis = axes[1]
        self.fixed = fixed
        if x.dtype != .float32 { doubles = x.doubleArray() }
    }

    var otherAxes: [Int] { (0..<tensor.rank).filter { $0 != rowAxis && $0 != colAxis } }

    /// `slice 0,3,:,:` for rank > 2, "" otherwise.
    public var sliceText: String {
        guard tensor.rank > 2 else { return "" }
        let others = otherAxes
        return "slice " + (0..<tensor.rank).map { a in
            if let k = others.firstIndex(of: a) { return String(fixed[k]) }
            return a == rowAxis ? ":r" : ":c"
        }.joined(separator: ",")
    }

    /// Steps through the slices of the other axes like an odometer (`]` forward, `[` back).
    public func step(_ delta: Int) {
        let others = otherAxes
        guard !others.isEmpty else { return }
        var k = others.count - 1
        while k >= 0 {
            let size = tensor.shape[others[k]]
            let v = fixed[k] + delta
            if v >= 0 && v < size { fixed[k] = v; return }
            fixed[k] = delta > 0 ? 0 : size - 1
            k -= 1
        }
    }

    public func transpose() { swap(&rowAxis, &colAxis); swap(&cursorRow, &cursorCol) }

    public func moveCursor(rows dr: Int, cols dc: Int) {
        guard let s = lastSample else { return }
        cursorRow = max(0, min(s.rows - 1, cursorRow + dr))
        cursorCol = max(0, min(s.cols - 1, cursorCol + dc))
    }

    /// The pixels for a pane whose image area can hold `maxRows` × `maxCols` pixels.
    func sample(maxRows: Int, maxCols: Int) throws -> HeatmapSample {
        let key = "\(rowAxis) \(colAxis) \(fixed) \(maxRows) \(maxCols) \(reduction)"
        if let c = cache, c.key == key { return c.sample }
        let s = try HeatmapSampler.sample(tensor, rowAxis: rowAxis, colAxis: colAxis, fixed: fixed,
                                          maxRows: maxRows, maxCols: maxCols, reduction: reduction, doubles: doubles)
        cache = (key, s)
        return s
    }

    static func number(_ x: Double) -> String { HeatmapText.number(x) }

    /// Draws into `r` (the pane's inside): title, range, image, colour bar, cursor readout.
    public func draw(into g: inout CellGrid, rect r: Rect, mode: ColorMode) {
        guard r.width >= 8, r.height >= 5 else { return }
        let color = mode.heatmapInColor
        let dim = Palette.dim(mode)
        g.put(truncated("\(tensor.typeDescription)  \(sliceText)", r.width), x: r.x, y: r.y, style: .bold, clip: r)
        let imageRows = r.height - 4
        let pixelRowCap = color ? imageRows * 2 : imageRows
        let s: HeatmapSample
        do { s = try sample(maxRows: pixelRowCap, maxCols: r.width) } catch {
            g.put(truncated("error: \(error)", r.width), x: r.x, y: r.y + 1, style: Palette.error(mode), clip: r)
            return
        }
        lastSample = s
        cursorRow = min(cursorRow, s.rows - 1)
        cursorCol = min(cursorCol, s.cols - 1)
        let f = max(1, min(8, pixelRowCap / s.rows, r.width / s.cols))
        var info = "\(s.sliceRows)×\(s.sliceCols)"
        if s.isDownsampled {
            info += " → \(s.rows)×\(s.cols) by \(s.reduction.rawValue) (m: \(s.reduction == .mean ? "max" : "mean"))"
        }
        g.put(truncated(info, r.width), x: r.x, y: r.y + 1, style: dim, clip: r)

        // Direct colour: the 256-level 24-bit ramp of the PNG files; 256 colours: 24 palette entries.
        let direct = mode == .direct
        let levels = direct ? HeatmapScale.directLevels : (color ? Palette.ramp.count : Palette.shades.count)
        func rampColour(_ level: Int) -> Int { direct ? CellStyle.rgb(HeatmapScale.rgbRamp[level]) : Palette.ramp[level] }
        func level(_ x: Double) -> Int { HeatmapScale.level(x, lo: s.min, hi: s.max, levels: levels) }
        /// Pixel value at screen pixel (py, px) of the image, nil outside it.
        func pixel(_ py: Int, _ px: Int) -> (level: Int, cursor: Bool)? {
            let pr = py / f, pc = px / f
            guard pr < s.rows, pc < s.cols else { return nil }
            return (level(s.value(pr, pc)), pr == cursorRow && pc == cursorCol)
        }
        let top = r.y + 2
        for cy in 0..<imageRows {
            for cx in 0..<r.width {
                if color {
                    guard let a = pixel(2 * cy, cx) else { continue }
                    let b = pixel(2 * cy + 1, cx)
                    func colour(_ p: (level: Int, cursor: Bool)) -> Int { p.cursor ? 231 : (p.level < 0 ? 240 : rampColour(p.level)) }
                    g[r.x + cx, top + cy] = Cell("▀", style: CellStyle(fg: colour(a), bg: b.map(colour) ?? -1))
                } else {
                    guard let a = pixel(cy, cx) else { continue }
                    let ch = a.level < 0 ? "?" : String(Palette.shades[a.level])
                    g[r.x + cx, top + cy] = Cell(ch, style: a.cursor ? .reverse : .plain)
                }
            }
        }
        // Colour bar with the range.
        let barY = r.maxY - 2
        let lo = Self.number(s.min), hi = Self.number(s.max)
        var x = g.put(lo + " ", x: r.x, y: barY, clip: r)
        let barCells = max(0, min(color ? Palette.ramp.count : Palette.shades.count * 2, r.width - displayWidth(lo) - displayWidth(hi) - 2))
        for k in 0..<barCells {
            let lv = barCells == 1 ? 0 : k * (levels - 1) / (barCells - 1)
            if color { g[x, barY] = Cell("█", style: CellStyle(fg: rampColour(lv))) } else { g[x, barY] = Cell(String(Palette.shades[lv])) }
            x += 1
        }
        g.put(" " + hi, x: x, y: barY, clip: r)
        // Cursor readout and keys.
        let b = s.block(cursorRow, cursorCol)
        let v = Self.number(s.value(cursorRow, cursorCol))
        var readout: String
        if b.r1 - b.r0 == 1 && b.c1 - b.c0 == 1 {
            readout = "[\(b.r0), \(b.c0)] = \(v)"
        } else {
            readout = "[\(b.r0)..<\(b.r1), \(b.c0)..<\(b.c1)] \(s.reduction.rawValue) = \(v)"
        }
        readout += otherAxes.isEmpty ? "   arrows: cursor  t: transpose" : "   [ ]: slice  arrows: cursor  t: transpose"
        g.put(truncated(readout, r.width), x: r.x, y: r.maxY - 1, style: Palette.accent(mode), clip: r)
    }

    /// Keys while the heatmap has focus; true when used.
    public func handle(_ key: Key) -> Bool {
        switch key {
        case .up, .char("k"): moveCursor(rows: -1, cols: 0)
        case .down, .char("j"): moveCursor(rows: 1, cols: 0)
        case .left, .char("h"): moveCursor(rows: 0, cols: -1)
        case .right, .char("l"): moveCursor(rows: 0, cols: 1)
        case .home: cursorRow = 0; cursorCol = 0
        case .char("]"): step(1)
        case .char("["): step(-1)
        case .char("m"): reduction = reduction == .mean ? .max : .mean
        case .char("t"): transpose()
        default: return false
        }
        return true
    }
}
