import Foundation
import Surgeon
import SurgeonGraph
import SurgeonTensor

/// `run`: feeds, checks them against the declared inputs, runs with the inspect set, prints.
enum RunCommand {
    static func run(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        // A failed or refused run leaves the session as it was, generator included.
        let rng = s.rng
        do {
            let feeds = try prepareFeeds(c, s, m, ignoring: [])
            try execute(m, feeds: feeds, s)
        } catch {
            s.rng = rng
            throw error
        }
    }

    /// An interpreter for `m` with Ctrl-C and the memory budget hooked in, after checking that
    /// the run fits the budget: the live tensor bytes (weights, variables, feeds) plus the peak
    /// of activations that shape inference predicts. With unknown shapes the check between
    /// nodes is what stops a run.
    static func interpreter(_ m: LoadedModel, feeds: [String: Value], wanted: [String], _ s: Session) throws -> Interpreter {
        let interp = m.runtime.interpreter(for: m.model, shouldCancel: s.shouldCancel)
        interp.checkBetweenNodes = nil
        guard let budget = MemoryBudget.effectiveLimit else { return interp }
        interp.checkBetweenNodes = {
            do { try MemoryBudget.checkLive() } catch { throw ShellError("run stopped: \(error)") }
        }
        var types: [String: ValueType] = [:]
        for (k, v) in feeds {
            if case .tensor(let t) = v { types[k] = .tensor(t.dtype, t.shape.map { .known($0) }) }
        }
        let key = types.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ";") + "|" + wanted.joined(separator: ";")
        let estimate: MemoryEstimate
        if let e = m.estimateCache.estimate(for: key) {
            estimate = e
        } else {
            estimate = MemoryEstimate(model: m.model, feeds: types, keep: Set(wanted))
            m.estimateCache.store(estimate, for: key)
        }
        let live = MemoryBudget.liveBytes
        let (need, overflow) = live.addingReportingOverflow(estimate.peakBytes)
        if overflow || need > budget {
            let atLeast = estimate.isComplete ? "" : "at least "
            let peak = estimate.peakNode.map { " (peak after node '\($0)')" } ?? ""
            throw ShellError("run refused: it needs \(atLeast)\(overflow ? "more than 8 EiB" : formatBytes(need)) (\(formatBytes(estimate.peakBytes)) of activations\(peak) + \(formatBytes(live)) of tensors already in use), over the memory budget of \(formatBytes(budget)); `set memory SIZE` changes it")
        }
        return interp
    }

    /// Feeds from `run` arguments (checked against the declared inputs), generating the rest.
    /// `ignoring` lists option keys of the calling command that are not input names.
    static func prepareFeeds(_ c: ParsedCommand, _ s: Session, _ m: LoadedModel, ignoring: Set<String>) throws -> [String: Value] {
        let inputs = m.model.graph.feedInputs
        var feeds: [String: Value] = [:]
        var generated: [String] = []
        let inputNames = Set(inputs.map(\.name))
        let kvs = c.keyValues.filter { inputNames.contains($0.key) || !ignoring.contains($0.key) }
        let positional = c.positional.filter { w in !ignoring.contains(where: { w.text == $0 }) }
        if kvs.isEmpty && !positional.isEmpty && ignoring.isEmpty {
            guard inputs.count == 1 else {
                throw ShellError("this model has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))): name them, e.g. run \(inputs.first?.name ?? "x")=...", column: c.restColumn)
            }
            let v = try Commands.evaluate(c.rest, column: c.restColumn, s)
            feeds[inputs[0].name] = try feedValue(v, for: inputs[0], column: c.restColumn)
        } else {
            for kv in kvs {
                guard feeds[kv.key] == nil else {
                    throw ShellError("input '\(kv.key)' is given twice", column: kv.column - kv.key.count - 1)
                }
                guard let info = inputs.first(where: { $0.name == kv.key }) else {
                    throw ShellError("the model has no input '\(kv.key)'" + Commands.suggestion(kv.key, inputs.map(\.name)) + "; its inputs: " + inputs.map { "\($0.name): \($0.type)" }.joined(separator: ", "),
                                     column: kv.column - kv.key.count - 1)
                }
                let v = try Commands.evaluate(kv.valueRaw, column: kv.column, s)
                feeds[info.name] = try feedValue(v, for: info, column: kv.column)
            }
        }
        // Fill whatever was not given from the declared types.
        for info in inputs where feeds[info.name] == nil {
            let (t, how) = try generate(info, &s.rng)
            feeds[info.name] = .tensor(t)
            generated.append("\(info.name)=\(how)")
        }
        if !generated.isEmpty { s.write("using " + generated.joined(separator: " ")) }
        return feeds
    }

    /// The (label, value names) recorded besides the outputs, from the model's inspect set.
    static func inspectTargets(_ m: LoadedModel) throws -> [(label: String, values: [String])] {
        if m.inspectAll { return inspectAllTargets(model: m.model, names: m.names) }
        do {
            return try Surgeon.inspectTargets(model: m.model, names: m.names, specs: m.inspect)
        } catch { throw ShellError("\(error)") }
    }

    /// Every value name a run of `m` must return: outputs, then inspected values.
    static func wantedValues(_ m: LoadedModel, _ targets: [(label: String, values: [String])]) -> [String] {
        var wanted = m.model.graph.outputs.map(\.name)
        // A set beside the list: `inspect all` on a thousand-node model made this quadratic.
        var seen = Set(wanted)
        for t in targets { for v in t.values where seen.insert(v).inserted { wanted.append(v) } }
        return wanted
    }

    static func execute(_ m: LoadedModel, feeds: [String: Value], _ s: Session) throws {
        let targets = try inspectTargets(m)
        let outputNames = m.model.graph.outputs.map(\.name)
        let wanted = wantedValues(m, targets)
        let interp = try interpreter(m, feeds: feeds, wanted: wanted, s)
        let result: [String: Value]
        do { result = try interp.run(feeds: feeds, outputs: wanted) } catch let e as RunCancelled {
            throw e
        } catch let e as ShellError { throw e } catch { throw ShellError("\(error)") }

        var res = RunResults(model: m.name)
        // Model outputs first, then inspected values; out.NAME also finds outputs when dropped from print.
        var printed: [(String, Value)] = []
        for name in outputNames {
            guard let v = result[name] else { continue }
            res.entries.append((name, v))
            if m.keepOutput || targets.isEmpty { printed.append((name, v)) }
        }
        let outputCount = res.entries.count
        for t in targets {
            for (k, vname) in t.values.enumerated() {
                guard let v = result[vname] else { continue }
                let label = t.values.count == 1 ? t.label : "\(t.label):\(k)"
                res.entries.append((label, v))
                res.aliases[vname] = res.entries.count - 1
                printed.append((label, v))
            }
        }
        // `out[0]` is the first printed entry: reorder so kept outputs come first, dropped ones last.
        if !(m.keepOutput || targets.isEmpty) {
            let outs = Array(res.entries.prefix(outputCount))
            res.entries = Array(res.entries.dropFirst(outputCount)) + outs
            var aliases: [String: Int] = [:]
            for (k, v) in res.aliases { aliases[k] = v - outputCount }
            res.aliases = aliases
        }
        s.lastResults = res
        for (label, v) in printed {
            s.write(Printer.labelled(label, v))
        }
    }

    /// A value for an input, checked against its declared dtype and shape before anything runs.
    static func feedValue(_ v: ShellValue, for info: ValueInfo, column: Int) throws -> Value {
        let t: Tensor
        switch v {
        case .tensor(let x, let weak):
            if weak, let d = info.type.dtype, d != x.dtype { t = try x.cast(to: d) } else { t = x }
        case .sequence(let s): return .sequence(s)
        default: throw ShellError("input '\(info.name)' needs a tensor", column: column)
        }
        if case .tensor(let dtype, let dims) = info.type {
            if let dtype, dtype != t.dtype {
                throw ShellError("input '\(info.name)' expects \(info.type), got \(t.typeDescription)" + (t.dtype.isFloatingPoint == dtype.isFloatingPoint ? "" : " (convert with cast(x, \(dtype)))"), column: column)
            }
            if let dims {
                let ok = dims.count == t.rank && zip(dims, t.shape).allSatisfy { d, n in d.value == nil || d.value == n }
                if !ok { throw ShellError("input '\(info.name)' expects \(info.type), got \(t.typeDescription)", column: column) }
            }
        }
        return .tensor(t)
    }

    /// Random floats, zero integers (valid token ids and masks), false bools; symbolic dims = 1.
    static func generate(_ info: ValueInfo, _ rng: inout SeededRandom) throws -> (Tensor, String) {
        guard case .tensor(let dt, let dims) = info.type, let dtype = dt, let dims else {
            throw ShellError("cannot generate input '\(info.name)' of type \(info.type): give it, e.g. run \(info.name)=...")
        }
        let shape = dims.map { $0.value ?? 1 }
        // The expression that makes the same kind of value (a scalar has no shape argument).
        func call(_ f: String, _ dtypeArg: String?) -> String {
            let args = [shape.map(String.init).joined(separator: ","), dtypeArg.map { "dtype=\($0)" } ?? ""]
            return f + "(" + args.filter { !$0.isEmpty }.joined(separator: ", ") + ")"
        }
        if dtype.isFloatingPoint {
            let n = try Tensor.checkedCount(shape, dtype: dtype)
            var v = [Float](repeating: 0, count: n)
            for i in 0..<n { v[i] = rng.uniform() }
            return (try Tensor(floats: v, shape: shape, dtype: dtype), call("rand", dtype == .float32 ? nil : "\(dtype)"))
        }
        return (try Tensor(zeros: dtype, shape: shape), call("zeros", "\(dtype)"))
    }
}

/// `cut`: Extract, through the Surgeon module. The new model shares the source's weights.
enum CutCommand {
    static func run(_ c: ParsedCommand, _ s: Session) throws {
        let m = try s.requireCurrent()
        var keep = false
        var newName: String?
        let words = c.positional
        var i = 0
        while i < words.count {
            switch words[i].text {
            case "keep": keep = true
            case "as":
                guard i + 1 < words.count else { throw ShellError("expected a name after 'as'", column: words[i].column) }
                newName = words[i + 1].text
                i += 1
            default:
                throw ShellError("unexpected '\(words[i].text)': cut takes in=SPECS out=SPECS [keep] [as NAME]" + Commands.suggestion(words[i].text, ["keep", "as"]), column: words[i].column)
            }
            i += 1
        }
        if let k = c.value("keep") {
            guard let b = Commands.parseBool(k) else { throw ShellError("keep= takes true or false", column: c.restColumn) }
            keep = b
        }
        let ins = c.keyValues.filter { $0.key == "in" }.flatMap { Commands.parseSpecs($0.valueRaw) }
        let outs = c.keyValues.filter { $0.key == "out" }.flatMap { Commands.parseSpecs($0.valueRaw) }
        if ins.isEmpty && outs.isEmpty { throw ShellError("cut needs in=NAME and/or out=NAME (e.g. cut in=layer1 out=sigmoid)", column: c.restColumn) }
        let result: CutResult
        do {
            result = try Surgeon.cut(model: m.model, names: m.names, inputs: ins, outputs: outs.isEmpty ? [] : outs,
                                     keepOriginalOutputs: keep || outs.isEmpty)
        } catch { throw ShellError("\(error)", column: c.restColumn) }
        let name = newName ?? s.freshName(m.name + "_cut")
        var entry = LoadedModel(name: name, path: nil, model: result.model)
        entry.cutSummary = result.summary.description
        s.add(entry)
        s.write("\(name): " + result.summary.seedForm)
        for w in result.summary.warnings { s.write("warning: " + w) }
    }
}
