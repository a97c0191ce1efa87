import Foundation
import SurgeonTensor

/// Text heatmaps: two rows per character with `▀` (foreground = upper, background = lower).
/// With colour: a viridis-like 256-colour ramp; without: greyscale block characters.
public enum HeatmapText {
    /// Which 2-D view of `t` to draw: `t` as rank ≥ 2, the two shown axes (rows, columns), the
    /// other axes and the positions on them. Shared by `heatmap` and the full screen's pane.
    public static func selection(_ t: Tensor, dims: [Int]?, index: [Int]?) throws
        -> (tensor: Tensor, axes: [Int], others: [Int], fixed: [Int]) {
        guard t.dtype != .string else { throw TensorError("cannot draw a string tensor") }
        var x = t
        if x.rank == 0 { x = try x.reshaped([1, 1]) }
        if x.rank == 1 { x = try x.reshaped([1, x.count]) }
        let r = x.rank
        let axes = try (dims ?? [r - 2, r - 1]).map { try normalizeAxis($0, rank: r) }
        guard axes.count == 2, axes[0] != axes[1] else { throw TensorError("dims= takes two different axes") }
        let others = (0..<r).filter { !axes.contains($0) }
        let fixed = index ?? Array(repeating: 0, count: others.count)
        guard fixed.count == others.count else {
            throw TensorError("index= needs \(others.count) value(s), for axes \(others)")
        }
        return (x, axes, others, fixed)
    }

    /// The 2-D slice to show: `dims` picks the two axes (default: the last two); the other axes
    /// are fixed at `index` (default 0).
    public static func slice(_ t: Tensor, dims: [Int]?, index: [Int]?) throws -> (tensor: Tensor, title: String) {
        guard t.dtype != .string else { throw TensorError("cannot draw a string tensor") }
        guard t.count > 0 else { throw TensorError("the tensor is empty (\(t.typeDescription)): nothing to draw") }
        let (x, axes, others, fixed) = try selection(t, dims: dims, index: index)
        let r = x.rank
        var items: [TensorIndex] = []
        for a in 0..<r {
            if let k = others.firstIndex(of: a) { items.append(.at(fixed[k])) } else { items.append(.range(start: nil, stop: nil, step: nil)) }
        }
        var s = try x.subscripted(items)
        if axes[0] > axes[1] {
            // transpose the 2-D slice
            let rows = s.shape[1], cols = s.shape[0]
            var idx = [Int](repeating: 0, count: rows * cols)
            for i in 0..<rows { for j in 0..<cols { idx[i * cols + j] = j * rows + i } }
            s = try s.take(flatIndices: idx, shape: [rows, cols])
        }
        let title = t.rank > 2 ? "\(t.typeDescription) slice " + (0..<r).map { others.contains($0) ? String(fixed[others.firstIndex(of: $0) ?? 0]) : ":" }.joined(separator: ",") : t.typeDescription
        return (s, title)
    }

    /// A value as the heatmaps show it (`%.4g`, nan, inf).
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.4g", x)
    }

    /// Viridis-like ramp on the xterm 256-colour cube.
    static let ramp: [Int] = [53, 54, 55, 61, 67, 24, 30, 36, 35, 41, 77, 113, 149, 185, 220, 226]
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// Renders at most `maxWidth` columns and `maxRows` character rows (mean-downsampled).
    public static func render(_ t: Tensor, title: String, color: Bool, maxWidth: Int = 64, maxRows: Int = 24) -> String {
        let rows = t.shape[0], cols = t.shape[1]
        let v = t.doubleArray()
        let finite = v.filter { $0.isFinite }
        let lo = finite.min() ?? 0, hi = finite.max() ?? 0
        let outCols = max(1, min(cols, maxWidth))
        let outRows = max(1, min(rows, (color ? 2 : 1) * maxRows))
        func cell(_ r: Int, _ c: Int) -> Double {
            let r0 = r * rows / outRows, r1 = max(r0 + 1, (r + 1) * rows / outRows)
            let c0 = c * cols / outCols, c1 = max(c0 + 1, (c + 1) * cols / outCols)
            var s = 0.0, n = 0
            for i in r0..<min(r1, rows) { for j in c0..<min(c1, cols) { let x = v[i * cols + j]; if x.isFinite { s += x; n += 1 } } }
            return n == 0 ? .nan : s / Double(n)
        }
        func level(_ x: Double, _ count: Int) -> Int {
            guard x.isFinite, hi > lo else { return x.isFinite ? count / 2 : 0 }
            // Scale in two steps: hi - lo overflows to inf for extreme float64 values.
            let f = (x / 2 - lo / 2) / (hi / 2 - lo / 2)
            guard f.isFinite else { return count / 2 }
            return min(count - 1, max(0, Int(f * Double(count))))
        }
        var lines: [String] = []
        let downsampled = outCols < cols || outRows < rows
        lines.append("\(title)  min=\(String(format: "%.4g", lo)) max=\(String(format: "%.4g", hi))" + (downsampled ? "  (mean of \(Int((Double(rows) / Double(outRows)).rounded(.up)))x\(Int((Double(cols) / Double(outCols)).rounded(.up))) blocks)" : ""))
        if color {
            var r = 0
            while r < outRows {
                var line = ""
                for c in 0..<outCols {
                    let top = ramp[level(cell(r, c), ramp.count)]
                    if r + 1 < outRows {
                        let bottom = ramp[level(cell(r + 1, c), ramp.count)]
                        line += "\u{1B}[38;5;\(top)m\u{1B}[48;5;\(bottom)m▀"
                    } else {
                        line += "\u{1B}[38;5;\(top)m▀"
                    }
                }
                lines.append(line + "\u{1B}[0m")
                r += 2
            }
            lines.append(ramp.map { "\u{1B}[48;5;\($0)m  " }.joined() + "\u{1B}[0m  \(String(format: "%.4g", lo)) .. \(String(format: "%.4g", hi))")
        } else {
            for r in 0..<outRows {
                lines.append(String((0..<outCols).map { shades[level(cell(r, $0), shades.count)] }))
            }
            lines.append("scale: " + String(shades) + "  \(String(format: "%.4g", lo)) .. \(String(format: "%.4g", hi))")
        }
        return lines.joined(separator: "\n")
    }
}
