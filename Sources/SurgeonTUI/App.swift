import Foundation
import Surgeon
import SurgeonGraph
import SurgeonShell
import SurgeonTensor

/// The full screen's state and logic, free of any terminal: it takes keys, runs commands through
/// the shell, and draws everything into a `CellGrid`. The ncurses driver and the tests both drive it.
public final class App: SessionPresenter {
    public enum Focus: CaseIterable, Sendable { case prompt, tree, detail, transcript }

    /// What the right-hand pane shows.
    public enum Detail {
        case welcome
        case text(title: String, lines: [String])
        case heatmap(HeatmapView)
    }

    public let runner: ScriptRunner
    public var session: Session { runner.session }
    public let editor: LineEditor
    public let tree = TreePane()
    public let transcript = TranscriptPane()
    public private(set) var detail: Detail = .welcome
    var detailScroll = 0
    public var focus: Focus = .prompt
    public private(set) var width: Int
    public private(set) var height: Int
    public var colorMode: ColorMode
    public var outlineSource: GraphOutlineSource = SurgeonOutlineSource() { didSet { refreshOutline() } }
    /// True once the user quit (quit, exit, Ctrl-D).
    public private(set) var finished = false
    /// Called before a command runs, so the terminal can show that it is busy.
    public var willRun: ((String) -> Void)?
    var busy: String?
    var statCache: [String: String] = [:]
    var outline: OutlineModule?

    public init(runner: ScriptRunner, editor: LineEditor, width: Int, height: Int, colorMode: ColorMode) {
        self.runner = runner
        self.editor = editor
        self.width = width
        self.height = height
        self.colorMode = colorMode
        runner.interactive = true
        let t = transcript
        runner.session.write = { t.append($0) }
        runner.writeError = { t.append($0, kind: .error) }
        runner.session.useColor = false
        runner.session.presenter = self
        tree.statistic = { [weak self] v in self?.statistic(of: v) }
        editor.resize(width: width, height: height)
        transcript.append("surgeon-shell — type `help`; Tab (on an empty line) moves to the panes, Esc comes back, Ctrl-D quits", kind: .note)
        refreshOutline()
    }

    public func resize(width: Int, height: Int) {
        self.width = width
        self.height = height
        editor.resize(width: width, height: height)
    }

    // MARK: commands

    /// Runs a line as typed at the prompt.
    public func submit(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        editor.addHistory(line)
        transcript.append(editor.prompt + line, kind: .command)
        busy = "running: " + line + "  (Ctrl-C stops)"
        willRun?(line)
        Interrupt.clear()
        let outcome = runner.runLine(line)
        Interrupt.clear()
        busy = nil
        if case .quit = outcome { finished = true }
        refreshOutline()
    }

    func refreshOutline() {
        statCache = [:]
        if let m = session.current {
            outline = GraphOutline.build(m, source: outlineSource)
            tree.setOutline(outline, modelKey: m.name + "#\(m.model.graph.nodes.count)")
        } else {
            outline = nil
            tree.setOutline(nil, modelKey: "")
        }
        editor.prompt = "(\(session.currentName ?? "none")) > "
    }

    /// Ctrl-C at the prompt: drop the line.
    public func interrupt() {
        editor.cancelLine()
        transcript.append("^C", kind: .note)
    }

    // MARK: SessionPresenter

    public func showHeatmap(_ request: HeatmapRequest) throws -> Bool {
        setDetail(.heatmap(try HeatmapView(tensor: request.tensor, label: request.label, dims: request.dims, index: request.index)))
        transcript.append("heatmap of \(request.label) in the right pane (Tab to it: [ ] slice, arrows read values)", kind: .note)
        return true
    }

    public func showTree(focus name: String?) throws -> Bool {
        if let name { try tree.focus(on: name) }
        transcript.append(name.map { "tree: \($0)" } ?? "tree: \(outline?.nodeCount ?? 0) nodes in the left pane", kind: .note)
        return true
    }

    func setDetail(_ d: Detail) {
        detail = d
        detailScroll = 0
    }

    // MARK: values

    /// The last run's value of an ONNX value name of the current model.
    func recordedValue(_ valueName: String) -> Tensor? {
        guard let r = session.lastResults, r.model == session.currentName, let v = r.lookup(valueName) else { return nil }
        if case .tensor(let t) = v { return t }
        return nil
    }

    func statistic(of valueName: String) -> String? {
        if let s = statCache[valueName] { return s }
        guard let t = recordedValue(valueName), t.dtype != .string, t.count > 0 else { return nil }
        var sum = 0.0, sq = 0.0, n = 0
        if t.dtype == .float32 {
            _ = try? t.withUnsafeBuffer(of: Float.self) { b in
                for x in b where x.isFinite { let d = Double(x); sum += d; sq += d * d; n += 1 }
            }
        } else {
            for d in t.doubleArray() where d.isFinite { sum += d; sq += d * d; n += 1 }
        }
        let mean = n > 0 ? sum / Double(n) : .nan
        let std = n > 0 ? max(0, sq / Double(n) - mean * mean).squareRoot() : .nan
        let s = "μ=\(HeatmapView.number(mean)) σ=\(HeatmapView.number(std))" + (n < t.count ? " (\(t.count - n) nan/inf)" : "")
        statCache[valueName] = s
        return s
    }

    func perform(_ action: TreeAction) {
        switch action {
        case .none: break
        case .info(let name):
            do {
                setDetail(.text(title: "info " + name, lines: try session.infoText(name).components(separatedBy: "\n")))
            } catch {
                setDetail(.text(title: "info " + name, lines: moduleInfo(name) ?? ["\(error)"]))
            }
        case .heatmap(let i):
            guard let m = session.current, i < m.model.graph.nodes.count else { return }
            let name = m.names.nodeNames[i]
            guard let out = m.model.graph.nodes[i].outputs.first(where: { !$0.isEmpty }), let t = recordedValue(out) else {
                setDetail(.text(title: "heatmap " + name, lines: [
                    "No recorded value for \(name).",
                    "Record it, then run:  inspect \(quoteName(name))   (or: inspect all)",
                    "                      run",
                ]))
                return
            }
            do { setDetail(.heatmap(try HeatmapView(tensor: t, label: name))) } catch {
                setDetail(.text(title: "heatmap " + name, lines: ["\(error)"]))
            }
        case .cut(let name):
            editor.setText("cut out=\(quoteName(name)) ")
            focus = .prompt
        }
    }

    func moduleInfo(_ path: String) -> [String]? {
        guard let o = outline else { return nil }
        func find(_ m: OutlineModule) -> OutlineModule? {
            if m.path == path { return m }
            for c in m.children { if case .module(let s) = c, let f = find(s) { return f } }
            return nil
        }
        guard let m = find(o) else { return nil }
        return ["module \(m.path)", "  nodes:      \(m.nodeCount)", "  parameters: \(m.parameterCount)"]
    }

    /// A name as a command word: quoted when it has characters the lexer splits on.
    func quoteName(_ n: String) -> String {
        let plain = n.allSatisfy { $0.isLetter || $0.isNumber || "_./-:".contains($0) }
        return plain ? n : "\"" + n.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: keys

    /// Handles one key (the driver handles `.resize` by calling `resize` first).
    public func handle(_ key: Key) {
        if key == .resize { return }
        if focus == .prompt {
            switch key {
            case .tab where editor.text.isEmpty: focus = .tree; return
            case .backTab: focus = .transcript; return
            case .pageUp, .pageDown: _ = transcript.handle(key); return
            default: break
            }
            for event in editor.feed(key) {
                switch event {
                case .line(let l): submit(l)
                case .endOfInput: finished = true
                case .message(let m): transcript.append(m, kind: .note)
                }
                if finished { return }
            }
            return
        }
        switch key {
        case .tab: cycleFocus(1); return
        case .backTab: cycleFocus(-1); return
        case .escape where !(focus == .tree && tree.searchQuery != nil): focus = .prompt; return
        case .char(":"): focus = .prompt; return
        default: break
        }
        switch focus {
        case .tree:
            let (_, action) = tree.handle(key)
            perform(action)
        case .detail:
            switch detail {
            case .heatmap(let h): _ = h.handle(key)
            case .text(_, let lines):
                switch key {
                case .up, .char("k"): detailScroll = max(0, detailScroll - 1)
                case .down, .char("j"): detailScroll = min(max(0, lines.count - 1), detailScroll + 1)
                default: break
                }
            case .welcome: break
            }
        case .transcript: _ = transcript.handle(key)
        case .prompt: break
        }
    }

    func cycleFocus(_ d: Int) {
        let all = Focus.allCases
        let i = all.firstIndex(of: focus) ?? 0
        focus = all[(i + d + all.count) % all.count]
    }

    // MARK: drawing

    struct Layout {
        var header: Rect?
        var tree: Rect?
        var detail: Rect?
        var transcript: Rect
        var promptRow: Int
    }

    func layout() -> Layout {
        let w = width, h = height
        if h < 12 || w < 40 {
            return Layout(header: nil, tree: nil, detail: nil, transcript: Rect(x: 0, y: 0, width: w, height: h - 1), promptRow: h - 1)
        }
        let avail = h - 2
        let upper = max(6, avail * 58 / 100)
        let treeW = max(24, w * 46 / 100)
        return Layout(
            header: Rect(x: 0, y: 0, width: w, height: 1),
            tree: Rect(x: 0, y: 1, width: treeW, height: upper),
            detail: Rect(x: treeW, y: 1, width: w - treeW, height: upper),
            transcript: Rect(x: 0, y: 1 + upper, width: w, height: avail - upper),
            promptRow: h - 1)
    }

    var keyHelp: String {
        switch focus {
        case .prompt: return "Tab: panes  PgUp/PgDn: scroll  Ctrl-D: quit"
        case .tree: return "j/k move  Enter fold  / search  i info  h heatmap  c cut  Tab next  Esc prompt"
        case .detail: return "arrows cursor  [ ] slice  m mean/max  t transpose  Tab next  Esc prompt"
        case .transcript: return "j/k PgUp/PgDn scroll  G end  Tab next  Esc prompt"
        }
    }

    /// Draws the whole screen; returns the grid and where the terminal cursor goes (nil: hidden).
    public func draw() -> (grid: CellGrid, cursor: (x: Int, y: Int)?) {
        var g = CellGrid(width: width, height: height)
        guard width > 0, height > 0 else { return (g, nil) }
        let l = layout()
        let mode = colorMode
        if let hr = l.header {
            let hs = Palette.header(mode)
            g.fill(hr, style: hs)
            var left = " surgeon-shell"
            if let m = session.current { left += " │ \(m.name): \(m.model.graph.nodes.count) nodes" }
            let right = (busy ?? keyHelp) + " "
            let x = g.put(left, x: 0, y: hr.y, style: CellStyle(fg: hs.fg, bg: hs.bg, bold: true, reverse: hs.reverse))
            let rx = max(x + 2, width - displayWidth(right))
            g.put(truncated(right, width - rx), x: rx, y: hr.y, style: hs)
        }
        if let tr = l.tree {
            let title = outline.map { "Graph: \($0.name) (\($0.nodeCount) nodes)" } ?? "Graph"
            g.box(tr, title: title, mode: mode, focused: focus == .tree)
            tree.draw(into: &g, rect: tr.inset(1), mode: mode, focused: focus == .tree)
        }
        if let dr = l.detail { drawDetail(&g, dr, mode) }
        // Transcript: a rule with its title, then the lines.
        let t = l.transcript
        if t.height > 1 {
            let ruleStyle = Palette.border(mode, focused: focus == .transcript)
            g.put(String(repeating: "─", count: t.width), x: t.x, y: t.y, style: ruleStyle)
            g.put(" Transcript ", x: t.x + 2, y: t.y, style: Palette.title(mode, focused: focus == .transcript))
            transcript.draw(into: &g, rect: Rect(x: t.x, y: t.y + 1, width: t.width, height: t.height - 1), mode: mode)
        } else {
            transcript.draw(into: &g, rect: t, mode: mode)
        }
        // Prompt, scrolled horizontally to keep the cursor visible.
        let prompt = editor.prompt
        let pw = displayWidth(prompt)
        let room = max(1, width - pw - 1)
        let cursor = editor.cursorColumn
        let shift = cursor >= room ? cursor - room + 1 : 0
        var shown = ""
        var col = 0
        for ch in editor.text {
            let cw = displayWidth(ch)
            if col >= shift && col - shift + cw <= room { shown.append(ch) }
            col += cw
        }
        let px = g.put(prompt, x: 0, y: l.promptRow, style: .bold)
        g.put(shown, x: px, y: l.promptRow)
        let cur = focus == .prompt ? (x: min(width - 1, pw + cursor - shift), y: l.promptRow) : nil
        return (g, cur)
    }

    func drawDetail(_ g: inout CellGrid, _ r: Rect, _ mode: ColorMode) {
        let focused = focus == .detail
        switch detail {
        case .welcome:
            g.box(r, title: "Detail", mode: mode, focused: focused)
            let lines = [
                "Heatmaps and info show here.",
                "",
                "  run                 run the model (random inputs)",
                "  inspect all         record every node on the next run",
                "  heatmap out[0]      a heatmap of a value",
                "  Tab                 to the tree: h = heatmap of a node,",
                "                      i = info, c = cut from it",
            ]
            for (k, s) in lines.enumerated() { g.put(s, x: r.x + 2, y: r.y + 1 + k, style: Palette.dim(mode), clip: r.inset(1)) }
        case .text(let title, let lines):
            g.box(r, title: title, mode: mode, focused: focused)
            let inner = r.inset(1)
            for (k, s) in lines.dropFirst(detailScroll).prefix(inner.height).enumerated() {
                g.put(s, x: inner.x + 1, y: inner.y + k, clip: inner)
            }
        case .heatmap(let h):
            g.box(r, title: "Heatmap: " + h.label, mode: mode, focused: focused)
            let inner = r.inset(1)
            h.draw(into: &g, rect: Rect(x: inner.x + 1, y: inner.y, width: inner.width - 1, height: inner.height), mode: mode)
        }
    }
}
