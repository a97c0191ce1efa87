import Foundation
import Testing
@testable import SurgeonShell
@testable import SurgeonTUI

/// The whole screen, headless: keys in, cell grid out.
@Suite struct AppTests {
    @Test func startScreen() {
        let (app, _) = makeApp()
        expectSnapshot(app.screenDump, "app-start-100x30")
    }

    @Test func runThenHeatmapFromTheTree() {
        let (app, errors) = makeApp()
        app.type("inspect all\nrun\n")
        #expect(errors.items.isEmpty)
        #expect(app.transcript.lines.contains { $0.text.hasPrefix("sigmoid: tensor(") })
        app.press(.tab)
        #expect(app.focus == .tree)
        app.type("jjjj")  // layer2's Gemm
        app.type("h")
        guard case .heatmap(let h) = app.detail else { Issue.record("no heatmap"); return }
        #expect(h.label == "layer2")
        #expect(app.screenText.contains("Heatmap: layer2"))
        // The tree shows a statistic of each recorded value.
        #expect(app.screenText.contains("μ="))
        expectSnapshot(app.screenDump, "app-run-heatmap-100x30")
    }

    @Test func heatmapWithoutRecordedValueExplains() {
        let (app, _) = makeApp()
        app.press(.tab)
        app.type("jh")
        guard case .text(_, let lines) = app.detail else { Issue.record("expected text"); return }
        #expect(lines.joined().contains("inspect layer1"))
    }

    @Test func heatmapCommandDrawsInThePaneAndSteps() {
        let (app, _) = makeApp()
        app.type("heatmap reshape(arange(24), 2, 3, 4)\n")
        guard case .heatmap(let h) = app.detail else { Issue.record("no heatmap: \(app.transcript.lines.map(\.text))"); return }
        app.press(.tab, .tab)
        #expect(app.focus == .detail)
        app.type("]")
        #expect(h.fixed == [1])
        #expect(app.screenText.contains("slice 1,:r,:c"))
        app.type("]")
        #expect(h.fixed == [0])
    }

    @Test func heatmapSaveWritesThePNGAndShowsThePane() throws {
        let (app, errors) = makeApp()
        let path = NSTemporaryDirectory() + "app-heatmap-\(getpid()).png"
        defer { unlink(path) }
        app.type("heatmap reshape(arange(24), 2, 3, 4) save=\(path)\n")
        #expect(errors.items.isEmpty, "\(errors.items)")
        guard case .heatmap(let h) = app.detail else { Issue.record("no heatmap"); return }
        #expect(h.sliceText == "slice 0,:r,:c")
        #expect(app.transcript.lines.contains { $0.text.hasPrefix("saved heatmap of reshape(arange(24), 2, 3, 4) (3×4 values)") })
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    /// The acceptance path on the committed tiny BERT (samples/models/bert-tiny.onnx, eager
    /// attention): fold the tree to one encoder layer, run, heatmap an attention head, step heads.
    @Test func bertAttentionHeadFromTheFoldedTree() throws {
        let (app, errors) = makeApp(width: 120, height: 40)
        app.type("load \(packageRoot.path)/samples/models/bert-tiny.onnx as bert\n")
        app.type("tree bert.encoder.layer.0\n")
        #expect(errors.items.isEmpty, "\(errors.items)")
        let rows = app.tree.rowsText
        #expect(rows.contains { $0.hasPrefix(">") && $0.hasSuffix("▾ layer.0") }, "\(rows)")
        #expect(rows.contains { $0.contains("▸ layer.1") }, "the other layer is folded: \(rows)")
        #expect(rows.contains { $0.contains("▸ embeddings") })
        #expect(rows.filter { $0.contains("Softmax") }.count == 1, "layer 0 unfolded to its nodes, layer 1 folded: \(rows)")
        app.type("inspect all\nrun input_ids=load(\"\(packageRoot.path)/samples/reference/bert.input_ids.npy\")\n")
        #expect(errors.items.isEmpty, "\(errors.items)")
        app.press(.tab)
        app.type("/softmax")
        app.press(.enter)
        app.type("h")
        guard case .heatmap(let h) = app.detail else { Issue.record("no heatmap: \(app.detail)"); return }
        #expect(h.label == "bert.encoder.layer.0.attention.self.softmax")
        #expect(h.tensor.shape == [1, 2, 16, 16])
        #expect(app.screenText.contains("float32[1,2,16,16]  slice 0,0,:r,:c"))
        // Attention probabilities: each query row sums to 1.
        let p = h.tensor.doubleArray()
        #expect(abs(p[0..<16].reduce(0, +) - 1) < 1e-5)
        app.press(.tab)
        #expect(app.focus == .detail)
        app.type("]")
        #expect(h.fixed == [0, 1])
        #expect(app.screenText.contains("slice 0,1,:r,:c"))
        // The model's output matches PyTorch's (samples/reference/bert.y.npy).
        app.press(.escape)
        app.type("print allclose(out[0], load(\"\(packageRoot.path)/samples/reference/bert.y.npy\"), rtol=1e-4, atol=1e-4)\n")
        #expect(errors.items.isEmpty, "\(errors.items)")
        #expect(app.transcript.lines.last?.text == "True", "\(app.transcript.lines.suffix(3).map(\.text))")
    }

    @Test func cutKeyPrefillsThePrompt() {
        let (app, _) = makeApp()
        app.press(.tab)
        app.type("jc")
        #expect(app.focus == .prompt)
        #expect(app.editor.text == "cut out=layer1 ")
    }

    @Test func treeCommandFocusesAndInfoKey() {
        let (app, _) = makeApp()
        app.type("tree layer3\n")
        #expect(app.tree.rowsText.contains(">▾ layer3"))
        app.type("tree nope\n")
        #expect(app.transcript.lines.last?.kind == .error)
        app.press(.tab)
        app.type("ji")
        guard case .text(let title, let lines) = app.detail else { Issue.record("no info"); return }
        #expect(title == "info layer3")
        #expect(lines.contains { $0.contains("Gemm (ai.onnx, opset 17)") })
    }

    @Test func resizeReflows() {
        let (app, _) = makeApp()
        app.type("run\n")
        app.resize(width: 70, height: 20)
        let g = app.draw().grid
        #expect(g.width == 70 && g.height == 20)
        expectSnapshot(g.dump(), "app-resized-70x20")
        app.resize(width: 30, height: 8)
        #expect(app.draw().grid.rowText(7).hasPrefix("(demo) >"))
    }

    @Test func quitAndEndOfInput() {
        let (a, _) = makeApp()
        a.type("quit\n")
        #expect(a.finished)
        let (b, _) = makeApp()
        b.press(.ctrl("d"))
        #expect(b.finished)
    }

    @Test func noColorUsesNoColourIndices() {
        let (app, _) = makeApp(mode: .none)
        app.type("heatmap reshape(arange(64), 8, 8)\n")
        let g = app.draw().grid
        #expect(g.cells.allSatisfy { $0.style.fg == -1 && $0.style.bg == -1 })
        #expect(g.text.contains("░") || g.text.contains("▒"))
    }

    @Test func transcriptScrollback() {
        let (app, _) = makeApp(width: 80, height: 14)
        for i in 0..<30 { app.type("print \(i)\n") }
        #expect(app.screenText.contains("tensor(29,"))
        app.press(.pageUp)
        #expect(!app.screenText.contains("tensor(29,"))
        app.press(.pageDown)
        #expect(app.screenText.contains("tensor(29,"))
    }
}

@Suite struct LineEditorTests {
    @Test func editingHistoryAndCompletion() {
        let e = SimpleLineEditor()
        e.completions = { ["inspect", "info", "run"] }
        for k in Key.typing("ru") { _ = e.feed(k) }
        _ = e.feed(.tab)
        #expect(e.text == "run ")
        #expect(e.feed(.enter) == [.line("run ")])
        e.addHistory("run ")
        for k in Key.typing("i") { _ = e.feed(k) }
        _ = e.feed(.tab)
        #expect(e.text == "in")
        #expect(e.feed(.tab) == [.message("info  inspect")])
        _ = e.feed(.ctrl("u"))
        _ = e.feed(.up)
        #expect(e.text == "run ")
        _ = e.feed(.ctrl("u"))
        for k in Key.typing("héllo") { _ = e.feed(k) }
        _ = e.feed(.left)
        #expect(e.cursorColumn == 4)
    }
}
