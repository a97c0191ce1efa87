import Foundation
import Surgeon
import SurgeonShell

/// What a key in the tree pane asks the screen to do.
public enum TreeAction: Equatable {
    case none
    case info(String)
    case heatmap(node: Int)
    case cut(String)
}

/// The graph tree: modules as folders, nodes as leaves with op, output type, parameters and,
/// after a run, a statistic of the recorded value.
public final class TreePane {
    struct Row {
        var depth: Int
        var item: OutlineItem
        var key: String
    }

    public private(set) var root: OutlineModule?
    var collapsed = Set<String>()
    var rows: [Row] = []
    var selected = 0
    var scrollTop = 0
    /// Text of an active `/` search, nil when not searching.
    public private(set) var searchQuery: String?
    var lastQuery = ""
    var message: String?
    /// Statistic for an ONNX value name (set by the screen from the last run's results).
    public var statistic: (String) -> String? = { _ in nil }
    var modelKey = ""
    var visibleRows = 10

    public init() {}

    static func key(_ item: OutlineItem) -> String {
        switch item {
        case .module(let m): return "m:" + m.path
        case .node(let n): return "n:\(n.index)"
        }
    }

    /// Shows a (new or changed) outline, keeping folds and the selection where they still apply.
    public func setOutline(_ o: OutlineModule?, modelKey: String) {
        let selectedKey = rows.indices.contains(selected) ? rows[selected].key : nil
        if modelKey != self.modelKey {
            // A different model: fold everything below the top level unless it is small.
            collapsed = []
            if let o, o.nodeCount > 60 {
                func walk(_ m: OutlineModule, _ depth: Int) {
                    for c in m.children { if case .module(let s) = c { if depth >= 1 { collapsed.insert(s.path) }; walk(s, depth + 1) } }
                }
                walk(o, 0)
            }
            scrollTop = 0
            selected = 0
        }
        self.modelKey = modelKey
        root = o
        rebuild()
        if let k = selectedKey, let i = rows.firstIndex(where: { $0.key == k }) { selected = i }
        selected = max(0, min(selected, rows.count - 1))
    }

    func rebuild() {
        rows = []
        guard let root else { return }
        func walk(_ m: OutlineModule, _ depth: Int) {
            for c in m.children {
                rows.append(Row(depth: depth, item: c, key: Self.key(c)))
                if case .module(let s) = c, !collapsed.contains(s.path) { walk(s, depth + 1) }
            }
        }
        walk(root, 0)
    }

    public var selectedItem: OutlineItem? { rows.indices.contains(selected) ? rows[selected].item : nil }

    /// Every item with its ancestors' module paths, in order (for search and focus).
    func allItems() -> [(item: OutlineItem, ancestors: [String])] {
        var out: [(OutlineItem, [String])] = []
        guard let root else { return [] }
        func walk(_ m: OutlineModule, _ anc: [String]) {
            for c in m.children {
                out.append((c, anc))
                if case .module(let s) = c { walk(s, anc + [s.path]) }
            }
        }
        walk(root, [])
        return out
    }

    /// Unfolds the ancestors of `key` and selects it.
    func reveal(_ key: String, ancestors: [String], toTop: Bool = false) {
        for a in ancestors { collapsed.remove(a) }
        rebuild()
        if let i = rows.firstIndex(where: { $0.key == key }) {
            selected = i
            if toTop { scrollTop = i }
        }
    }

    /// `tree NAME`: selects the module or node called `name` at the top of the pane; a module
    /// is shown unfolded with every other module folded.
    public func focus(on name: String) throws {
        let all = allItems()
        for (item, anc) in all {
            switch item {
            case .module(let m) where m.path == name:
                // Fold the tree to this module: it and everything below it unfolded, every
                // other module folded (its ancestors stay open to show it).
                var inside = Set<String>()
                func addAll(_ x: OutlineModule) {
                    inside.insert(x.path)
                    for c in x.children { if case .module(let s) = c { addAll(s) } }
                }
                addAll(m)
                collapsed = Set(all.compactMap { e -> String? in
                    if case .module(let x) = e.item, !inside.contains(x.path) { return x.path }
                    return nil
                })
                reveal(Self.key(item), ancestors: anc, toTop: true)
                return
            case .node(let n) where n.name == name:
                reveal(Self.key(item), ancestors: anc, toTop: true)
                return
            default: continue
            }
        }
        let names = all.map { item -> String in
            switch item.item { case .module(let m): return m.path; case .node(let n): return n.name }
        }
        throw ShellError("no module or node '\(name)' in the tree" + suggestionSuffix(name, among: names))
    }

    func matches(_ item: OutlineItem, _ q: String) -> Bool {
        let q = q.lowercased()
        switch item {
        case .module(let m): return m.path.lowercased().contains(q)
        case .node(let n): return n.name.lowercased().contains(q) || n.label.lowercased().contains(q) || n.op.lowercased() == q
        }
    }

    /// Selects the next item (from the selection, or after it) whose name contains `q`.
    @discardableResult
    func search(_ q: String, from offset: Int, backwards: Bool = false) -> Bool {
        guard !q.isEmpty else { return false }
        let all = allItems()
        guard !all.isEmpty else { return false }
        let currentKey = rows.indices.contains(selected) ? rows[selected].key : ""
        let start = all.firstIndex { Self.key($0.item) == currentKey } ?? 0
        for k in 0..<all.count {
            let step = backwards ? -(k + offset) : k + offset
            let i = ((start + step) % all.count + all.count) % all.count
            if matches(all[i].item, q) {
                reveal(Self.key(all[i].item), ancestors: all[i].ancestors)
                return true
            }
        }
        return false
    }

    func toggle(_ expand: Bool? = nil) {
        guard case .module(let m)? = selectedItem else { return }
        let isCollapsed = collapsed.contains(m.path)
        if expand ?? isCollapsed { collapsed.remove(m.path) } else { collapsed.insert(m.path) }
        rebuild()
    }

    func move(_ delta: Int) {
        selected = max(0, min(rows.count - 1, selected + delta))
    }

    /// Handles a key while the pane has focus.
    public func handle(_ key: Key) -> (used: Bool, action: TreeAction) {
        message = nil
        if let q = searchQuery {
            switch key {
            case .enter: searchQuery = nil; lastQuery = q
            case .escape: searchQuery = nil
            case .backspace:
                let nq = String(q.dropLast())
                searchQuery = nq
                search(nq, from: 0)
            case .char(let c):
                let nq = q + String(c)
                searchQuery = nq
                if !search(nq, from: 0) { message = "no match for '\(nq)'" }
            default: searchQuery = nil
            }
            return (true, .none)
        }
        switch key {
        case .up, .char("k"): move(-1)
        case .down, .char("j"): move(1)
        case .pageUp: move(-max(1, visibleRows - 1))
        case .pageDown: move(max(1, visibleRows - 1))
        case .home, .char("g"): selected = 0
        case .end, .char("G"): selected = max(0, rows.count - 1)
        case .enter, .char(" "):
            if case .node(let n)? = selectedItem { return (true, .info(n.name)) }
            toggle()
        case .right, .char("l"): toggle(true)
        case .left:
            if case .module(let m)? = selectedItem, !collapsed.contains(m.path) { toggle(false) } else { selectParent() }
        case .char("/"): searchQuery = ""
        case .char("n"): if !search(lastQuery, from: 1) { message = "no match" }
        case .char("N"): if !search(lastQuery, from: 1, backwards: true) { message = "no match" }
        case .char("i"):
            switch selectedItem {
            case .node(let n)?: return (true, .info(n.name))
            case .module(let m)?: return (true, .info(m.path))
            case nil: break
            }
        case .char("h"):
            if case .node(let n)? = selectedItem { return (true, .heatmap(node: n.index)) }
            message = "h shows a node's value; select a node"
        case .char("c"):
            switch selectedItem {
            case .node(let n)?: return (true, .cut(n.name))
            case .module(let m)?: return (true, .cut(m.path))
            case nil: break
            }
        default: return (false, .none)
        }
        return (true, .none)
    }

    func selectParent() {
        guard rows.indices.contains(selected) else { return }
        let d = rows[selected].depth
        guard d > 0 else { return }
        var i = selected - 1
        while i >= 0 && rows[i].depth >= d { i -= 1 }
        if i >= 0 { selected = i }
    }

    static func count(_ n: Int) -> String {
        if n >= 1_000_000 { return String(format: "%.1fM", Double(n) / 1e6) }
        if n >= 10_000 { return String(format: "%.1fk", Double(n) / 1e3) }
        return String(n)
    }

    /// Draws the rows into `r` (the pane's inside).
    public func draw(into g: inout CellGrid, rect r: Rect, mode: ColorMode, focused: Bool) {
        guard r.width > 4, r.height > 0 else { return }
        let footer = searchQuery != nil || message != nil
        let listHeight = r.height - (footer ? 1 : 0)
        visibleRows = max(1, listHeight)
        if rows.isEmpty {
            g.put(root == nil ? "no model" : "(no nodes)", x: r.x, y: r.y, style: Palette.dim(mode), clip: r)
        }
        if selected < scrollTop { scrollTop = selected }
        if selected >= scrollTop + listHeight { scrollTop = selected - listHeight + 1 }
        scrollTop = max(0, min(scrollTop, max(0, rows.count - listHeight)))
        let labelWidth = min(max(12, r.width * 45 / 100), (rows.map { $0.depth * 2 + 2 + displayWidth(labelOf($0.item)) }.max() ?? 12) + 1)
        for line in 0..<listHeight {
            let i = scrollTop + line
            guard i < rows.count else { break }
            let row = rows[i], y = r.y + line
            let indent = String(repeating: "  ", count: row.depth)
            let isSel = i == selected
            var x = r.x
            switch row.item {
            case .module(let m):
                let mark = collapsed.contains(m.path) ? "▸ " : "▾ "
                x = g.put(padded(indent + mark + m.name, labelWidth), x: x, y: y, style: .bold, clip: r)
                var info = "\(m.nodeCount) node\(m.nodeCount == 1 ? "" : "s")"
                if m.parameterCount > 0 { info += "  \(Self.count(m.parameterCount)) params" }
                g.put(" " + info, x: x, y: y, style: Palette.dim(mode), clip: r)
            case .node(let n):
                x = g.put(padded(indent + "  " + n.label, labelWidth), x: x, y: y, clip: r)
                x = g.put(" " + padded(n.op, max(4, min(12, displayWidth(n.op)))), x: x, y: y, style: Palette.accent(mode), clip: r)
                var rest = ""
                if !n.outputType.isEmpty { rest += "  " + n.outputType }
                if n.parameterCount > 0 { rest += "  \(Self.count(n.parameterCount))p" }
                x = g.put(rest, x: x, y: y, style: Palette.dim(mode), clip: r)
                if let o = n.output, let st = statistic(o) { g.put("  " + st, x: x, y: y, clip: r) }
            }
            if isSel {
                let sel = Palette.selection(mode, focused: focused)
                g.restyle(Rect(x: r.x, y: y, width: r.width, height: 1)) { s in
                    s.bg = sel.bg
                    if sel.fg >= 0 { s.fg = sel.fg }
                    s.reverse = sel.reverse
                }
            }
        }
        if let q = searchQuery {
            g.put(truncated("/" + q, r.width), x: r.x, y: r.maxY - 1, style: .bold, clip: r)
        } else if let m = message {
            g.put(truncated(m, r.width), x: r.x, y: r.maxY - 1, style: Palette.dim(mode), clip: r)
        }
    }

    func labelOf(_ item: OutlineItem) -> String {
        switch item {
        case .module(let m): return m.name
        case .node(let n): return n.label
        }
    }

    /// The rows as text (for tests): indent, fold mark, label, selection marked with `>`.
    public var rowsText: [String] {
        rows.enumerated().map { i, row in
            let prefix = (i == selected ? ">" : " ") + String(repeating: "  ", count: row.depth)
            switch row.item {
            case .module(let m): return prefix + (collapsed.contains(m.path) ? "▸ " : "▾ ") + m.name
            case .node(let n): return prefix + "  " + n.label + " " + n.op
            }
        }
    }
}
