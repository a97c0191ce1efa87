import Testing
@testable import SurgeonShell
@testable import SurgeonTUI

@Suite struct TreePaneTests {
    func demoTree() -> TreePane {
        let s = Session()
        s.loadDemo()
        let t = TreePane()
        if let m = s.current { t.setOutline(GraphOutline.build(m, source: ScopeOutlineSource()), modelKey: "demo") }
        return t
    }

    @Test func outlineFromScopes() {
        let s = Session()
        s.loadDemo()
        guard let m = s.current else { Issue.record("no demo"); return }
        let o = GraphOutline.build(m, source: ScopeOutlineSource())
        #expect(o.nodeCount == 6 && o.parameterCount == 29)
        let tops = o.children.map { item -> String in
            switch item { case .module(let m): return "m " + m.path; case .node(let n): return "n " + n.label }
        }
        #expect(tops == ["m layer1", "n relu", "m layer2", "n sigmoid", "m layer3", "n tanh"])
    }

    @Test func foldMoveAndKeys() {
        let t = demoTree()
        #expect(t.rowsText.count == 9)
        _ = t.handle(.enter)  // fold layer1
        #expect(t.rowsText.prefix(2) == [">▸ layer1", "   relu Relu"])
        _ = t.handle(.char("j"))
        #expect(t.handle(.char("h")).action == .heatmap(node: 1))
        #expect(t.handle(.char("c")).action == .cut("relu"))
        #expect(t.handle(.char("i")).action == .info("relu"))
        _ = t.handle(.left)  // at top level: stays
        _ = t.handle(.up)
        _ = t.handle(.right)
        #expect(t.rowsText.count == 9)
    }

    @Test func searchRevealsFoldedNodes() {
        let t = demoTree()
        // Fold layer1, then search for its node by name: the module unfolds to show it.
        _ = t.handle(.home)
        _ = t.handle(.enter)
        #expect(t.rowsText.first == ">▸ layer1")
        for k in Key.typing("/gemm") { _ = t.handle(k) }
        #expect(t.searchQuery == "gemm")
        // The selection is on a Gemm node, and its module is unfolded.
        let selected = t.rowsText.filter { $0.hasPrefix(">") }
        #expect(selected.count == 1 && selected[0].hasSuffix(" Gemm"))
    }

    @Test func focusOnModuleOrNode() throws {
        let t = demoTree()
        try t.focus(on: "layer3")
        #expect(t.rowsText.filter { $0.hasPrefix(">") } == [">▾ layer3"])
        try t.focus(on: "sigmoid")
        #expect(t.rowsText.filter { $0.hasPrefix(">") } == [">  sigmoid Sigmoid"])
        #expect(throws: ShellError.self) { try t.focus(on: "layer9") }
    }

    @Test func drawSnapshot() {
        useUTF8Locale()
        let t = demoTree()
        _ = t.handle(.char("j"))
        var g = CellGrid(width: 44, height: 10)
        t.draw(into: &g, rect: Rect(x: 0, y: 0, width: 44, height: 10), mode: .xterm256, focused: true)
        expectSnapshot(g.dump(), "tree-demo")
    }
}
