import Testing
import SurgeonTensor
@testable import SurgeonShell
@testable import SurgeonTUI

/// 24-bit colour: which terminal description and colour mode, and how cell colours become
/// terminal colour numbers.
@Suite struct ColorModeTests {
    /// A terminfo database with a few entries: name → (colors, RGB flag).
    func probe(_ db: [String: (Int, Bool)]) -> TerminalChoice.Probe {
        { name in db[name].map { (colors: $0.0, rgb: $0.1) } }
    }

    let withDirect: [String: (Int, Bool)] = [
        "xterm-256color": (256, false), "xterm-direct": (1 << 24, true), "tmux-256color": (256, false), "xterm": (8, false),
    ]

    @Test func colortermPicksTheDirectVariant() {
        let p = probe(withDirect)
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], probe: p) == "xterm-direct")
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm", "COLORTERM": "24bit"], probe: p) == "xterm-direct")
        // No COLORTERM, NO_COLOR, or already direct: TERM as is.
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm-256color"], probe: p) == nil)
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"], probe: p) == nil)
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm-direct", "COLORTERM": "truecolor"], probe: p) == nil)
        // No tmux-direct in the database: stay on 256 colours.
        #expect(TerminalChoice.terminalName(environment: ["TERM": "tmux-256color", "COLORTERM": "truecolor"], probe: p) == nil)
        #expect(TerminalChoice.terminalName(environment: ["TERM": "xterm-256color", "COLORTERM": "yes"], probe: p) == nil)
    }

    @Test func modeFromColours() {
        #expect(ColorMode.detect(environment: [:], colors: 1 << 24) == .direct)
        #expect(ColorMode.detect(environment: [:], colors: 256) == .xterm256)
        #expect(ColorMode.detect(environment: [:], colors: 8) == .basic8)
        #expect(ColorMode.detect(environment: [:], colors: 0) == .none)
        #expect(ColorMode.detect(environment: ["NO_COLOR": ""], colors: 1 << 24) == .none)
        #expect(!ColorMode.basic8.heatmapInColor && ColorMode.direct.heatmapInColor)
    }

    @Test func cellColoursToTerminalColours() {
        let purple = CellStyle.rgb(RGB(0x44, 0x01, 0x54))
        // Direct colour: 24-bit values as they are, palette indices as xterm's colours.
        #expect(NcursesTerminal.terminalColour(purple, colors: 1 << 24) == 0x440154)
        #expect(NcursesTerminal.terminalColour(244, colors: 1 << 24) == 0x808080)
        #expect(NcursesTerminal.terminalColour(75, colors: 1 << 24) == 0x5FAFFF)
        #expect(NcursesTerminal.terminalColour(3, colors: 1 << 24) == 3)
        #expect(NcursesTerminal.terminalColour(CellStyle.rgb(RGB(0, 0, 5)), colors: 1 << 24) == 8, "not ANSI colour 5")
        #expect(NcursesTerminal.terminalColour(-1, colors: 1 << 24) == -1)
        // 256 colours: the nearest palette entry; 8 colours: the default.
        #expect(NcursesTerminal.terminalColour(purple, colors: 256) == 53)
        #expect(NcursesTerminal.terminalColour(purple, colors: 8) == -1)
        #expect(NcursesTerminal.terminalColour(75, colors: 256) == 75)
    }

    @Test func directHeatmapSnapshot() throws {
        useUTF8Locale()
        let t = try Tensor(shape: [8, 8], scalars: (0..<64).map { Float($0) })
        let v = try HeatmapView(tensor: t, label: "arange")
        var g = CellGrid(width: 40, height: 12)
        v.draw(into: &g, rect: Rect(x: 0, y: 0, width: 40, height: 12), mode: .direct)
        expectSnapshot(g.dump(), "heatmap-8x8-direct")
        // 8×8 values at 2×2 screen pixels: cell (x, y) of the image shows value [y, x / 2].
        // Value 0 is under the cursor (white); value 1 is level Int(1 / 63 * 256) = 4 of the
        // 256-level ramp; value 63 viridis' yellow.
        #expect(g[0, 2].style.fg == 231)
        let one = CellStyle.rgb(HeatmapScale.rgbRamp[4])
        #expect(g[2, 2].style.fg == one && g[2, 2].style.bg == one)
        #expect(CellStyle.rgbValue(g[15, 9].style.fg) == RGB(0xFD, 0xE7, 0x25))
        #expect(CellStyle.rgbValue(g[0, 9].style.fg) != nil, "value 56 in 24-bit colour")
        #expect(g.dump().contains("#fde725"))
    }
}
