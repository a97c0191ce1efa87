import Foundation
import SurgeonONNX
import SurgeonTensor

/// `heatmap EXPR save=FILE.png`: the pane's picture as a PNG, one pixel per value (or per
/// downsampled block), on the same colour scale, with an optional colour bar on the right.
public enum HeatmapImage {
    /// Slices larger than this on a side are downsampled (by the pane's sampler) to it.
    public static let maxSide = 2048
    /// Colour bar: a gap, then a bar this wide, at least `barMinHeight` pixels high.
    static let barGap = 4, barWidth = 16, barMinHeight = 64

    public struct Picture {
        public var width: Int
        public var height: Int
        /// 3 bytes per pixel, row-major.
        public var rgb: [UInt8]
        public var sample: HeatmapSample
    }

    /// The picture of the 2-D view of `t` chosen by `dims` and `index` (as `heatmap` chooses it).
    public static func picture(_ t: Tensor, dims: [Int]?, index: [Int]?, reduction: Reduction = .mean,
                               colorBar: Bool = false, maxSide: Int = maxSide) throws -> Picture {
        guard t.count > 0 else { throw TensorError("the tensor is empty (\(t.typeDescription)): nothing to draw") }
        let (x, axes, _, fixed) = try HeatmapText.selection(t, dims: dims, index: index)
        let s = try HeatmapSampler.sample(x, rowAxis: axes[0], colAxis: axes[1], fixed: fixed,
                                          maxRows: maxSide, maxCols: maxSide, reduction: reduction)
        let width = colorBar ? s.cols + barGap + barWidth : s.cols
        let height = colorBar ? max(s.rows, barMinHeight) : s.rows
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        func set(_ y: Int, _ x: Int, _ c: RGB) {
            let o = (y * width + x) * 3
            rgb[o] = c.r
            rgb[o + 1] = c.g
            rgb[o + 2] = c.b
        }
        for r in 0..<s.rows {
            for c in 0..<s.cols { set(r, c, HeatmapScale.colour(s.value(r, c), lo: s.min, hi: s.max)) }
        }
        if colorBar {
            // Maximum at the top, minimum at the bottom.
            let ramp = HeatmapScale.rgbRamp
            for y in 0..<height {
                let l = height == 1 ? 0 : (height - 1 - y) * (ramp.count - 1) / (height - 1)
                for x in (s.cols + barGap)..<width { set(y, x, ramp[l]) }
            }
        }
        return Picture(width: width, height: height, rgb: rgb, sample: s)
    }

    /// Writes the picture to `path` (a temporary file renamed into place); returns a summary
    /// such as `64×64 values` or `10000×10000 values → 2048×2048 pixels by mean`.
    @discardableResult
    public static func save(_ t: Tensor, dims: [Int]?, index: [Int]?, reduction: Reduction = .mean, colorBar: Bool = false,
                            title: String, path: String) throws -> String {
        let p = try picture(t, dims: dims, index: index, reduction: reduction, colorBar: colorBar)
        let s = p.sample
        var summary = "\(s.sliceRows)×\(s.sliceCols) values"
        if s.isDownsampled { summary += " → \(s.rows)×\(s.cols) pixels by \(s.reduction.rawValue)" }
        let png = try PNG.encodeRGB(width: p.width, height: p.height, rgb: p.rgb, text: [
            ("Title", title),
            ("Description", "\(summary); scale \(HeatmapText.number(s.min)) (dark purple) .. \(HeatmapText.number(s.max)) (yellow)"),
            ("Software", "surgeon-shell"),
        ])
        do { try writeFileAtomically(Data(png), to: path) } catch { throw ShellError("\(error)") }
        return summary
    }
}
