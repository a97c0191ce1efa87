/// An 8-bit-per-channel colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `#rrggbb`.
    public var description: String {
        "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// The heatmap colour scale shared by the full screen's pane (256 colours and 24-bit) and
/// `heatmap ... save=FILE.png`: a viridis-like ramp from the slice's minimum (dark purple) to
/// its maximum (yellow); values that are not finite are grey.
public enum HeatmapScale {
    /// matplotlib's viridis at 9 evenly spaced points.
    static let anchors: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x47, 0x2c, 0x7a), (0x3b, 0x51, 0x8b), (0x2c, 0x71, 0x8e), (0x21, 0x90, 0x8d),
        (0x27, 0xad, 0x81), (0x5c, 0xc8, 0x63), (0xaa, 0xdc, 0x32), (0xfd, 0xe7, 0x25),
    ]

    /// Levels of the 24-bit ramp (pane in direct colour, PNG files).
    public static let directLevels = 256

    /// The ramp at `n` evenly spaced points, linear between the anchors, unrounded.
    public static func ramp(levels n: Int) -> [(r: Double, g: Double, b: Double)] {
        (0..<Swift.max(1, n)).map { k in
            let t = n <= 1 ? 0 : Double(k) / Double(n - 1) * Double(anchors.count - 1)
            let i = Swift.min(Int(t), anchors.count - 2), f = t - Double(i)
            let a = anchors[i], b = anchors[i + 1]
            return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
        }
    }

    /// The 256-level ramp as 8-bit colours.
    public static let rgbRamp: [RGB] = ramp(levels: directLevels).map {
        RGB(UInt8($0.r.rounded()), UInt8($0.g.rounded()), UInt8($0.b.rounded()))
    }

    /// Colour of NaN and infinities (xterm-256 colour 240).
    public static let missing = RGB(0x58, 0x58, 0x58)

    /// Which of `levels` levels `x` falls in on the scale [lo, hi]: -1 when `x` is not finite,
    /// the middle level when the range is empty. Overflow-safe for extreme float64 ranges.
    public static func level(_ x: Double, lo: Double, hi: Double, levels: Int) -> Int {
        guard x.isFinite else { return -1 }
        guard hi > lo else { return levels / 2 }
        let f = (x / 2 - lo / 2) / (hi / 2 - lo / 2)
        guard f.isFinite else { return levels / 2 }
        return Swift.min(levels - 1, Swift.max(0, Int(f * Double(levels))))
    }

    /// The 24-bit colour of `x` on the scale [lo, hi].
    public static func colour(_ x: Double, lo: Double, hi: Double) -> RGB {
        let l = level(x, lo: lo, hi: hi, levels: directLevels)
        return l < 0 ? missing : rgbRamp[l]
    }
}
