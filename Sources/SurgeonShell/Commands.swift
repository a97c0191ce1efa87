import Foundation
import Surgeon
import SurgeonGraph
import SurgeonONNX
import SurgeonTensor

/// The command table and dispatcher.
enum Commands {
    static let all: [CommandSpec] = [
        CommandSpec(name: "load", synopsis: "load PATH [as NAME]", summary: "load an ONNX model; it becomes current",
                    details: "External data files beside the model are memory-mapped. NAME defaults to the file name without .onnx.",
                    example: "load resnet18.onnx as r", keys: [], run: load),
        CommandSpec(name: "models", synopsis: "models", summary: "list the session's models (* marks the current one)",
                    details: "", example: "models", keys: [], run: models),
        CommandSpec(name: "use", synopsis: "use NAME", summary: "make another loaded model current",
                    details: "", example: "use demo", keys: [], run: use),
        CommandSpec(name: "drop", synopsis: "drop NAME", summary: "remove a model from the session",
                    details: "", example: "drop demo", keys: [], run: drop),
        CommandSpec(name: "layers", synopsis: "layers [GLOB]", summary: "module paths, as a Python list (get_layers)",
                    details: "GLOB filters with * and ?.", example: "layers", keys: [], run: layers),
        CommandSpec(name: "nodes", synopsis: "nodes [GLOB]", summary: "node names, as a Python list (get_nodes)",
                    details: "Graph inputs first, then one name per node in execution order.", example: "nodes", keys: [], run: nodes),
        CommandSpec(name: "info", synopsis: "info NAME", summary: "op, attributes, inputs and outputs of a node or layer",
                    details: "", example: "info layer1", keys: [], run: info),
        CommandSpec(name: "summary", synopsis: "summary", summary: "inputs and outputs of the current model with dtype[shape]",
                    details: "After a cut: which original inputs are still needed, and by which nodes.", example: "summary", keys: [], run: summary),
        CommandSpec(name: "inspect", synopsis: "inspect SPEC... | inspect all | inspect off  [keep=false]",
                    summary: "record layers/nodes on every run (Inspect)",
                    details: "SPEC is NAME or NAME:ALIAS. keep=false drops the model output from what run prints.",
                    example: "inspect layer2", keys: ["keep"], run: inspect),
        CommandSpec(name: "cut", synopsis: "cut [in=SPECS] [out=SPECS] [keep] [as NAME]",
                    summary: "build a model computing only part of the graph (Extract)",
                    details: "SPECS is a comma list of NAME or NAME:ALIAS. The new model joins the session and becomes current.",
                    example: "cut in=layer1 out=sigmoid", keys: ["in", "out"], run: cut),
        CommandSpec(name: "run", synopsis: "run [INPUT=EXPR ...] | run EXPR",
                    summary: "run the current model; `run` alone uses random inputs of the declared shapes",
                    details: "Results are in `out`: out.NAME, out[\"name\"], out[0].", example: "run x=rand(1,5)", keys: [], run: run),
        CommandSpec(name: "profile", synopsis: "profile [INPUT=EXPR ...] [csv=FILE]",
                    summary: "time one run node by node: totals per op type and the slowest nodes",
                    details: "One warm-up run first. csv=FILE also writes node,op,ms rows.", example: "profile", keys: [], run: ProfileCommand.profile),
        CommandSpec(name: "bench", synopsis: "bench [runs=N] [warmup=K] [INPUT=EXPR ...]",
                    summary: "median latency of whole runs (with the current inspect set)",
                    details: "Inputs as for run; missing ones are generated once and reused.", example: "bench runs=20", keys: [], run: ProfileCommand.bench),
        CommandSpec(name: "time", synopsis: "time COMMAND", summary: "run a command, then print its wall time (like the shell's time)",
                    details: "The time is measured inside surgeon-shell, from the start to the end of COMMAND; it is printed even when COMMAND fails.",
                    example: "time run", keys: [], run: time),
        CommandSpec(name: "let", synopsis: "let NAME = EXPR", summary: "keep a tensor in the session",
                    details: "", example: "let a = randn(2, 3)", keys: [], run: letCommand),
        CommandSpec(name: "print", synopsis: "print EXPR", summary: "print a value like PyTorch",
                    details: "", example: "print out[0]", keys: [], run: printCommand),
        CommandSpec(name: "stats", synopsis: "stats EXPR", summary: "mean, std, min and max (with index), NaN and Inf counts",
                    details: "", example: "stats randn(100)", keys: [], run: stats),
        CommandSpec(name: "tree", synopsis: "tree [NAME]", summary: "the model as a tree of modules and nodes",
                    details: "", example: "tree", keys: [], run: tree),
        CommandSpec(name: "heatmap", synopsis: "heatmap EXPR [dims=A,B] [index=...] [save=FILE.png [colorbar=yes]]", summary: "a heatmap of a 2-D slice",
                    details: """
                    Tensors of rank > 2 show the slice at index 0 of the leading axes unless index= is given.
                    save=FILE.png writes the slice as a PNG instead of printing it (the full screen also shows it):
                    one pixel per value, blocks averaged above 2048 per side, colours from the minimum
                    (dark purple) to the maximum (yellow), grey for NaN/Inf; colorbar=yes adds the scale on the right.
                    """,
                    example: "heatmap randn(8, 16) save=heat.png", keys: ["dims", "index", "save", "colorbar"], run: heatmap),
        CommandSpec(name: "save", synopsis: "save PATH", summary: "write the current model as ONNX",
                    details: "", example: "save cut.onnx", keys: [], run: save),
        CommandSpec(name: "export", synopsis: "export EXPR PATH", summary: "write a tensor as .npy or .pb (ONNX TensorProto)",
                    details: "", example: "export out[0] y.npy", keys: [], run: export),
        CommandSpec(name: "seed", synopsis: "seed N", summary: "seed rand, randn and randint",
                    details: "", example: "seed 0", keys: [], run: seed),
        CommandSpec(name: "set", synopsis: "set [memory [SIZE | off]]",
                    summary: "show or change settings: the memory budget of runs and tensors",
                    details: "SIZE is bytes or a number with K, M, G or T (powers of 1024), e.g. 8G or 512M. A run that would need more is refused before it starts, with the size it needs; a run that goes over it anyway stops between nodes; tensors made in expressions count too. The default is 80% of the physical memory; `set memory off` lifts it (single tensors stay limited to 16 GiB).",
                    example: "set memory 8G", keys: [], run: SetCommand.run),
        CommandSpec(name: "help", synopsis: "help [COMMAND]", summary: "list commands, or explain one",
                    details: "", example: "help run", keys: [], run: help),
        CommandSpec(name: "quit", synopsis: "quit", summary: "leave surgeon-shell (also: exit, Ctrl-D)",
                    details: "", example: "quit", keys: [], run: { _, _ in throw QuitRequest() }),
    ]

    static var names: [String] { all.map(\.name) + ["exit"] }

    static func execute(_ command: CommandText, in session: Session) throws {
        let words = try splitWords(command.text, column: command.column)
        guard let first = words.first else { return }
        let name = first.text == "exit" ? "quit" : first.text
        guard let spec = all.first(where: { $0.name == name }) else {
            throw ShellError("unknown command '\(first.text)'" + suggestion(first.text, names), column: first.column)
        }
        // Text after the command word.
        let offset = first.column - command.column + first.raw.count
        let chars = Array(command.text)
        let rest = offset < chars.count ? String(chars[offset...]) : ""
        let parsed = ParsedCommand(name: name, nameColumn: first.column, args: Array(words.dropFirst()), rest: rest, restColumn: command.column + offset)
        for kv in parsed.keyValues where !spec.keys.isEmpty && !spec.keys.contains(kv.key) {
            throw ShellError("\(name) has no key '\(kv.key)'" + suggestion(kv.key, spec.keys), column: kv.column - kv.key.count - 1)
        }
        try spec.run(parsed, session)
    }

    static func suggestion(_ n: String, _ among: [String]) -> String {
        let c = closest(n, among)
        return c.isEmpty ? "" : " (did you mean " + c.map { "'\($0)'" }.joined(separator: " or ") + "?)"
    }

    static func evaluate(_ text: String, column: Int, _ session: Session) throws -> ShellValue {
        try Evaluator(session: session).eval(try ExprParser.parse(text, column: column))
    }

    /// `time COMMAND`: runs COMMAND and prints `time: X ms` after its output.
    static func time(_ c: ParsedCommand, _ s: Session) throws {
        guard c.rest.contains(where: { !$0.isWhitespace }) else {
            throw ShellError("time needs a command: time COMMAND (e.g. time load model.onnx)", column: c.restColumn)
        }
        let start = ProfileCommand.now()
        defer { s.write("time: " + String(format: "%.3f", (ProfileCommand.now() - start) * 1000) + " ms") }
        try execute(CommandText(text: c.rest, column: c.restColumn), in: s)
    }

    // MARK: models

    static func load(_ c: ParsedCommand, _ s: Session) throws {
        let words = c.positional
        guard let pathWord = words.first else { throw ShellError("load needs a file: load PATH [as NAME]", column: c.restColumn) }
        var name: String?
        if words.count >= 3 && words[1].text == "as" { name = words[2].text }
        else if words.count > 1 { throw ShellError("expected `as NAME` after the path", column: words[1].column) }
        let path = s.resolvePath(pathWord.text)
        let model: Model
        do { model = try ONNXImport.load(path: path) } catch { throw ShellError("\(error)", column: pathWord.column) }
        let base = name ?? ((pathWord.text as NSString).lastPathComponent as NSString).deletingPathExtension
        let entry = LoadedModel(name: name ?? s.freshName(base), path: path, model: model)
        s.add(entry)
        s.write("loaded \(entry.name): \(describeModel(entry))")
        if let why = Interpreter(model: model).cannotRunReason() {
            s.write("note: `run` will fail: \(why); the model can still be inspected, cut and saved")
        }
    }

    static func describeModel(_ m: LoadedModel) -> String {
        let g = m.model.graph
        let ins = g.feedInputs.map { $0.name + ": " + $0.type.description }.joined(separator: ", ")
        let outs = g.outputs.map { $0.name + ": " + $0.type.description }.joined(separator: ", ")
        return "\(g.nodes.count) nodes, \(formatCount(m.parameterCount)) parameters, (\(ins)) -> (\(outs))"
    }

    static func formatCount(_ n: Int) -> String {
        if n >= 1_000_000_000 { return fixed(Double(n) / 1e9, decimals: 2) + "G" }
        if n >= 1_000_000 { return fixed(Double(n) / 1e6, decimals: 2) + "M" }
        if n >= 10_000 { return fixed(Double(n) / 1e3, decimals: 1) + "k" }
        return String(n)
    }

    /// `String(format: "%.<decimals>f", x)`, the same digits: the first `String(format:)` of a
    /// process sets up Foundation's formatting, a tenth of loading a small model (`load` prints
    /// the parameter count). Exact on the binary value, ties to even, as printf rounds; falls
    /// back to `String(format:)` outside 1 <= x < 2^52 or beyond 3 decimals.
    static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite, x >= 1, x < 0x1p52, (0...3).contains(decimals) else {
            return String(format: "%.\(decimals)f", x)
        }
        // x = m * 2^-s exactly, with 0 < s <= 52 (x >= 1 and below 2^52 is not an integer
        // multiple of 2^53), so x * 10^d = m * 10^d * 2^-s and m * 10^d < 2^63.
        var p: UInt64 = 1
        for _ in 0..<decimals { p *= 10 }
        let m = x.significandBitPattern | (1 << 52)
        let shift = 52 - Int(x.exponent)
        let scaled = m * p
        var q: UInt64
        if shift <= 0 {
            q = scaled << UInt64(-shift)
        } else {
            q = scaled >> UInt64(shift)
            let rest = scaled & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            if rest > half || (rest == half && q & 1 == 1) { q += 1 }
        }
        let whole = String(q / p)
        guard decimals > 0 else { return whole }
        var frac = String(q % p)
        while frac.count < decimals { frac = "0" + frac }
        return whole + "." + frac
    }

    static func models(_ c: ParsedCommand, _ s: Session) throws {
        if s.models.isEmpty { s.write("no models loaded"); return }
        for m in s.models {
            let mark = m.name == s.currentName ? "*" : " "
            let origin = m.path.map { ($0 as NSString).lastPathComponent } ?? (m.cutSummary != nil ? "(cut)" : "(built in)")
            s.write("\(mark) \(m.name)  \(origin)  \(describeModel(m))")
        }
    }

    static func modelNamed(_ w: Word?, _ s: Session, _ c: ParsedCommand, verb: String) throws -> Int {
        guard let w else { throw ShellError("\(verb) needs a model name", column: c.restColumn) }
        guard let i = s.index(of: w.text) else {
            throw ShellError("no model '\(w.text)'" + suggestion(w.text, s.models.map(\.name)), column: w.column)
        }
        return i
    }

    static func use(_ c: ParsedCommand, _ s: Session) throws {
        let i = try modelNamed(c.positional.first, s, c, verb: "use")
        s.currentName = s.models[i].name
    }

    static func drop(_ c: ParsedCommand, _ s: Session) throws {
        let i = try modelNamed(c.positional.first, s, c, verb: "drop")
        let name = s.models[i].name
        s.models.remove(at: i)
        if s.currentName == name { s.currentName = s.models.last?.name }
        s.write("dropped \(name)" + (s.currentName.map { "; current model: \($0)" } ?? ""))
    }

    // MARK: names

    static func glob(_ pattern: String?, _ items: [String]) -> [String] {
        guard let pattern else { return items }
        return items.filter { fnmatch(pattern, $0, 0) == 0 }
    }

    static func pythonList(_ items: [String]) -> String {
        "[" + items.map { "'" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }.joined(separator: ", ") + "]"
    }

    static func layers(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        s.write(pythonList(glob(c.positional.first?.text, m.names.layers)))
    }

    static func nodes(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        s.write(pythonList(glob(c.positional.first?.text, m.names.nodes)))
    }

    static func resolve(_ w: Word, _ m: LoadedModel) throws -> ResolvedName {
        do { return try m.names.resolve(w.text, in: m.model) } catch { throw ShellError("\(error)", column: w.column) }
    }

    static func info(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        guard let w = c.positional.first else { throw ShellError("info needs a name: info NAME", column: c.restColumn) }
        do {
            s.write(try ModelOverview(model: m.model, names: m.names).info(w.text))
        } catch { throw ShellError("\(error)", column: w.column) }
    }

    static func summary(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        if let cs = m.cutSummary { s.write(cs); return }
        let overview = ModelOverview(model: m.model, names: m.names)
        var lines = ["inputs:"]
        for i in m.model.graph.feedInputs { lines.append("  \(i.name)  \(overview.typeText(i.name))") }
        lines.append("outputs:")
        for o in m.model.graph.outputs { lines.append("  \(o.name)  \(overview.typeText(o.name))") }
        s.write(lines.joined(separator: "\n"))
    }

    // MARK: inspect & run

    static func parseSpecs(_ text: String) -> [(name: String, alias: String?)] {
        splitSpecList(text).map { item in
            if let colon = lastTopLevelColon(item) {
                return (unquote(String(item[..<colon])), unquote(String(item[item.index(after: colon)...])))
            }
            return (unquote(item), nil)
        }
    }

    /// Splits `a,b:c,"d,e"` at commas outside quotes.
    static func splitSpecList(_ text: String) -> [String] {
        var out: [String] = [], cur = "", inQuote = false
        for ch in text {
            if ch == "\"" { inQuote.toggle() }
            if ch == "," && !inQuote { out.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        out.append(cur)
        return out.filter { !$0.isEmpty }
    }

    /// The ':' that separates an alias: the last one outside quotes, not part of '::'.
    static func lastTopLevelColon(_ s: String) -> String.Index? {
        var inQuote = false
        var found: String.Index?
        var i = s.startIndex
        while i < s.endIndex {
            let ch = s[i]
            if ch == "\"" { inQuote.toggle() }
            if ch == ":" && !inQuote {
                let next = s.index(after: i)
                if next < s.endIndex && s[next] == ":" { i = s.index(after: next); continue }
                if i > s.startIndex && s[s.index(before: i)] == ":" { i = next; continue }
                found = i
            }
            i = s.index(after: i)
        }
        return found
    }

    static func inspect(_ c: ParsedCommand, _ s: Session) throws {
        var m = try s.requireCurrent()
        let words = c.positional
        if let k = c.value("keep") {
            guard let b = parseBool(k) else { throw ShellError("keep= takes true or false", column: c.restColumn) }
            m.keepOutput = b
        }
        if words.count == 1 && words[0].text == "off" {
            m.inspect = []
            m.inspectAll = false
            m.keepOutput = true
            s.update(m)
            s.write("inspect off")
            return
        }
        if words.count == 1 && words[0].text == "all" {
            m.inspectAll = true
            s.update(m)
            s.write("recording every node output (\(m.model.graph.nodes.count) nodes)")
            return
        }
        if words.isEmpty {
            if c.value("keep") != nil { s.update(m); return }
            let list = m.inspectAll ? "all" : m.inspect.map { spec in spec.alias.map { "\(spec.name):\($0)" } ?? spec.name }.joined(separator: " ")
            s.write(list.isEmpty ? "inspecting nothing" : "inspecting \(list)")
            return
        }
        var specs: [(name: String, alias: String?)] = []
        for w in words {
            for spec in parseSpecs(w.raw) {
                do { _ = try m.names.resolve(spec.name, in: m.model) } catch { throw ShellError("\(error)", column: w.column) }
                specs.append(spec)
            }
        }
        do { _ = try Surgeon.inspectTargets(model: m.model, names: m.names, specs: specs) } catch {
            throw ShellError("\(error)", column: words.first?.column)
        }
        m.inspect = specs
        m.inspectAll = false
        s.update(m)
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }

    static func cut(_ c: ParsedCommand, _ s: Session) throws {
        try CutCommand.run(c, s)
    }

    static func run(_ c: ParsedCommand, _ s: Session) throws {
        try RunCommand.run(c, s)
    }

    // MARK: values

    static func letCommand(_ c: ParsedCommand, _ s: Session) throws {
        let chars = Array(c.rest)
        guard let eq = chars.firstIndex(of: "=") else { throw ShellError("let needs NAME = EXPR", column: c.restColumn) }
        let name = String(chars[..<eq]).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.first.map({ $0.isLetter || $0 == "_" }) == true,
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ShellError("'\(name)' is not a variable name (letters, digits and _)", column: c.restColumn)
        }
        guard name != "out" else { throw ShellError("'out' is reserved for the last run's results", column: c.restColumn) }
        let value = try evaluate(String(chars[(eq + 1)...]), column: c.restColumn + eq + 1, s)
        if case .tensor(let t, _) = value { s.variables[name] = .t(t) } else { s.variables[name] = value }
    }

    static func printCommand(_ c: ParsedCommand, _ s: Session) throws {
        guard !c.rest.allSatisfy(\.isWhitespace) else { throw ShellError("print needs an expression", column: c.restColumn) }
        let v = try evaluate(c.rest, column: c.restColumn, s)
        s.write(Printer.format(v))
    }

    static func stats(_ c: ParsedCommand, _ s: Session) throws {
        guard !c.rest.allSatisfy(\.isWhitespace) else { throw ShellError("stats needs an expression", column: c.restColumn) }
        let v = try evaluate(c.rest, column: c.restColumn, s)
        switch v {
        case .tensor(let t, _): s.write(Printer.stats(t))
        case .results(let r):
            for e in r.entries { if case .tensor(let t) = e.value { s.write("\(e.label): \(Printer.stats(t))") } }
        default: throw ShellError("stats needs a tensor", column: c.restColumn)
        }
    }

    static func tree(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        if let p = s.presenter {
            let focus = c.positional.first
            do { if try p.showTree(focus: focus?.text) { return } } catch let e as ShellError { throw e } catch {
                throw ShellError("\(error)", column: focus?.column)
            }
        }
        var tree = ModelOverview(model: m.model, names: m.names).tree()
        if let w = c.positional.first {
            guard let sub = TreeText.find(w.text, in: tree.root) else {
                _ = try resolve(w, m)  // unknown names get the usual message
                throw ShellError("'\(w.text)' is not a module; tree takes a module path (`layers` lists them)", column: w.column)
            }
            tree.root = sub
        }
        s.write(tree.renderText())
    }

    static func heatmap(_ c: ParsedCommand, _ s: Session) throws {
        // The expression is everything but trailing key=value words.
        let exprWords = c.args.filter { $0.keyValue == nil }
        guard let first = exprWords.first, let last = exprWords.last else { throw ShellError("heatmap needs a tensor expression", column: c.restColumn) }
        let start = first.column - c.restColumn, end = last.column - c.restColumn + last.raw.count
        let chars = Array(c.rest)
        let text = String(chars[max(0, start)..<min(chars.count, end)])
        let v = try evaluate(text, column: first.column, s)
        guard case .tensor(let t, _) = v else { throw ShellError("heatmap needs a tensor", column: first.column) }
        let dims = try c.value("dims").map { try parseIntList($0, c.restColumn) }
        let index = try c.value("index").map { try parseIntList($0, c.restColumn) }
        if let kv = c.keyValues.last(where: { $0.key == "save" }) {
            let colorBar = try c.value("colorbar").map { v -> Bool in
                switch v.lowercased() {
                case "yes", "true", "1", "on": return true
                case "no", "false", "0", "off": return false
                default: throw ShellError("colorbar= takes yes or no, not '\(v)'", column: c.restColumn)
                }
            } ?? false
            guard kv.value.lowercased().hasSuffix(".png") else {
                throw ShellError("save= writes PNG files; '\(kv.value)' does not end in .png", column: kv.column)
            }
            let summary: String
            do {
                summary = try HeatmapImage.save(t, dims: dims, index: index, colorBar: colorBar, title: text, path: s.resolvePath(kv.value))
            } catch let e as ShellError { throw ShellError(e.message, column: kv.column) } catch { throw ShellError("\(error)", column: kv.column) }
            s.write("saved heatmap of \(text) (\(summary)) to \(kv.value)")
            if let p = s.presenter { _ = try p.showHeatmap(HeatmapRequest(tensor: t, dims: dims, index: index, label: text)) }
            return
        }
        if let p = s.presenter, try p.showHeatmap(HeatmapRequest(tensor: t, dims: dims, index: index, label: text)) { return }
        let slice = try HeatmapText.slice(t, dims: dims, index: index)
        s.write(HeatmapText.render(slice.tensor, title: slice.title, color: s.useColor))
    }

    static func parseIntList(_ s: String, _ column: Int) throws -> [Int] {
        let parts = s.trimmingCharacters(in: CharacterSet(charactersIn: "()[] ")).split(separator: ",")
        return try parts.map {
            guard let v = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ShellError("expected integers, got '\(s)'", column: column) }
            return v
        }
    }

    static func save(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        guard let w = c.positional.first else { throw ShellError("save needs a path: save PATH", column: c.restColumn) }
        let path = s.resolvePath(w.text)
        do { try ONNXExport.save(m.model, path: path) } catch { throw ShellError("\(error)", column: w.column) }
        s.write("saved \(m.name) to \(w.text)")
    }

    static func export(_ c: ParsedCommand, _ s: Session) throws {
        guard c.args.count >= 2, let pathWord = c.args.last else { throw ShellError("export needs EXPR PATH", column: c.restColumn) }
        let exprText = String(Array(c.rest).prefix(pathWord.column - c.restColumn))
        let v = try evaluate(exprText, column: c.restColumn, s)
        guard case .tensor(let t, _) = v else { throw ShellError("export writes tensors", column: c.restColumn) }
        let path = s.resolvePath(pathWord.text)
        let lower = path.lowercased()
        do {
            if lower.hasSuffix(".npy") { try NPY.write(t, path: path) }
            else if lower.hasSuffix(".pb") { try ValueFiles.writeTensorPB(t, path: path) }
            else { throw ShellError("export writes .npy or .pb files; '\(pathWord.text)' has neither suffix", column: pathWord.column) }
        } catch let e as ShellError { throw e } catch { throw ShellError("\(error)", column: pathWord.column) }
    }

    static func seed(_ c: ParsedCommand, _ s: Session) throws {
        guard let w = c.positional.first, let n = UInt64(w.text) ?? Int64(w.text).map({ UInt64(bitPattern: $0) }) else {
            throw ShellError("seed needs an integer: seed N", column: c.restColumn)
        }
        s.rng = SeededRandom(seed: n)
    }

    static func help(_ c: ParsedCommand, _ s: Session) throws {
        if let w = c.positional.first {
            let name = w.text == "exit" ? "quit" : w.text
            guard let spec = all.first(where: { $0.name == name }) else {
                throw ShellError("no command '\(w.text)'" + suggestion(w.text, names), column: w.column)
            }
            var lines = ["\(spec.synopsis)", "  \(spec.summary)"]
            if !spec.details.isEmpty { lines += spec.details.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 } }
            lines.append("  example: \(spec.example)")
            s.write(lines.joined(separator: "\n"))
            return
        }
        let width = all.map(\.synopsis.count).max() ?? 20
        var lines = all.map { $0.synopsis.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
        lines.append("")
        lines.append("Expressions: rand(1,5) randn zeros ones full arange randint load(\"x.npy\") [[1,2],[3,4]]")
        lines.append("  out, out.NAME, out[0], t[0, :, 1:3], a + b, a @ b, abs sum mean min max argmax softmax")
        lines.append("  topk reshape transpose cosine allclose.  `help COMMAND` for details.")
        s.write(lines.joined(separator: "\n"))
    }
}

/// Thrown by `quit`.
public struct QuitRequest: Error {}
