import Foundation
import SurgeonGraph

/// One input or output of a cut model, for the summary.
public struct CutPort: Sendable, Equatable {
    /// The value name in the cut model.
    public let name: String
    /// dtype and shape (`float32[1,2]`, symbolic dims kept).
    public let type: String
    /// For a new input or an output: the name it was cut at; for a kept original input: "".
    public let source: String
    /// For a kept original input: friendly names of the nodes that still read it.
    public let neededBy: [String]
    /// True for an original input the cut still needs.
    public let isOriginalInput: Bool
}

/// What `cut` did, in the seed's form plus types.
public struct CutSummary: CustomStringConvertible, Sendable {
    public let inputs: [CutPort]
    public let outputs: [CutPort]
    /// `{'input': ('x', 'my_input'), 'output': {'my_add': add}}`
    public let seedForm: String
    /// Things the user should know, e.g. an input whose element type is unknown (the model
    /// runs, but a saved copy would not pass onnx.checker). Empty for a clean cut.
    public let warnings: [String]

    /// The seed's form, then a table of inputs and outputs with dtype[shape] and, for each
    /// original input still needed, the nodes that need it.
    public var description: String {
        var lines = [seedForm]
        let width = max(8, (inputs + outputs).map(\.name.count).max() ?? 0)
        let typeWidth = max(8, (inputs + outputs).map(\.type.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        lines.append("inputs:")
        for p in inputs {
            let what: String
            if p.isOriginalInput {
                what = "original input, needed by " + (p.neededBy.isEmpty ? "the outputs" : p.neededBy.joined(separator: ", "))
            } else {
                what = "cut at " + p.source
            }
            lines.append("  " + pad(p.name, width) + "  " + pad(p.type, typeWidth) + "  " + what)
        }
        lines.append("outputs:")
        for p in outputs {
            lines.append("  " + pad(p.name, width) + "  " + pad(p.type, typeWidth) + "  " + p.source)
        }
        for w in warnings { lines.append("warning: " + w) }
        return lines.joined(separator: "\n")
    }
}

public struct CutResult {
    public let model: Model
    public let summary: CutSummary
}

/// Extract: a new model whose inputs are the values of `inputs` (plus any original input still
/// needed) and whose outputs are the values of `outputs` (plus the original outputs when
/// `keepOriginalOutputs`). Names follow notes/naming.md, "Cutting".
public func cut(
    model: Model, names: ModelNames, inputs: [(name: String, alias: String?)],
    outputs: [(name: String, alias: String?)], keepOriginalOutputs: Bool
) throws -> CutResult {
    let g = model.graph
    guard names.nodeNames.count == g.nodes.count else {
        throw GraphError("the names were computed for another model; rebuild them with ModelNames(model:)")
    }
    guard !outputs.isEmpty || keepOriginalOutputs else {
        throw GraphError("cut needs at least one output (out=NAME)")
    }
    var producer: [String: Int] = [:]
    for (i, n) in g.nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
    let originalInputs = g.inputs.filter { g.initializers[$0.name] == nil }.map(\.name)
    let originalInputSet = Set(originalInputs)

    struct Port { var value: String; var name: String; var spec: String }
    func ports(_ spec: (name: String, alias: String?)) throws -> [Port] {
        let r = try names.resolve(spec.name, in: model)
        let values = names.outputValues(of: r, in: model)
        guard !values.isEmpty else { throw GraphError("'\(spec.name)' has no value to cut at") }
        let shown = names.displayName(r)
        let base = spec.alias ?? shown
        for v in values where producer[v] == nil && !originalInputSet.contains(v) {
            throw GraphError("cannot cut at '\(spec.name)': value '\(v)' is not computed by a top-level node")
        }
        return values.enumerated().map { k, v in Port(value: v, name: k == 0 ? base : "\(base)_\(k)", spec: shown) }
    }

    var newInputs: [Port] = []
    for s in inputs { newInputs += try ports(s) }
    var newOutputs: [Port] = []
    var originalOutputPorts: [Port] = []
    if keepOriginalOutputs {
        for o in g.outputs {
            let src = producer[o.name].map { names.nodeNames[$0] } ?? o.name
            originalOutputPorts.append(Port(value: o.name, name: o.name, spec: src))
        }
    }
    for s in outputs { newOutputs += try ports(s) }
    let allOutputs = originalOutputPorts + newOutputs

    // Duplicate names among the new ports.
    var seenNames: [String: String] = [:]
    for p in newInputs {
        if let other = seenNames[p.name] { throw GraphError("two inputs would be named '\(p.name)' (\(other) and \(p.spec)); give one an alias with NAME:alias") }
        seenNames[p.name] = p.spec
    }
    var inputValueSet: [String: String] = [:]
    for p in newInputs {
        if inputValueSet[p.value] != nil { throw GraphError("'\(p.spec)' is cut twice") }
        inputValueSet[p.value] = p.name
    }

    // Nodes needed to compute the outputs from the cut values.
    var needed = Set<Int>()
    var reachedCuts = Set<String>()
    var stack = allOutputs.map(\.value)
    var visitedValues = Set<String>()
    var usedOriginalInputs = Set<String>()
    while let v = stack.popLast() {
        if v.isEmpty || visitedValues.contains(v) { continue }
        visitedValues.insert(v)
        if inputValueSet[v] != nil { reachedCuts.insert(v); continue }
        if originalInputSet.contains(v) { usedOriginalInputs.insert(v); continue }
        if g.initializers[v] != nil { continue }
        guard let p = producer[v] else {
            throw GraphError("value '\(v)' has no producer in the top-level graph; it cannot be part of a cut")
        }
        if needed.insert(p).inserted {
            stack += g.nodes[p].inputs + g.nodes[p].implicitInputs
        }
    }
    for p in newInputs where !reachedCuts.contains(p.value) {
        let outs = newOutputs.map(\.spec).joined(separator: ", ")
        throw GraphError("in=\(p.spec) does not reach any output: \(outs.isEmpty ? "the outputs do" : outs + " does") not depend on it (is it computed before \(p.spec)?)")
    }
    // Cuts inside If/Loop bodies are refused by resolve/ports; also refuse a cut value that a
    // kept subgraph reads from the enclosing scope (renaming into bodies is not supported).
    for i in needed {
        let implicit = Set(g.nodes[i].implicitInputs)
        for p in newInputs where implicit.contains(p.value) {
            throw GraphError("cannot cut at '\(p.spec)': the body of node '\(names.nodeNames[i])' (\(g.nodes[i].opType)) reads it")
        }
    }

    // Renames: cut values become inputs named after the cut; outputs after their node or alias.
    var rename: [String: String] = [:]
    for p in newInputs where p.name != p.value { rename[p.value] = p.name }
    let keptOriginal = originalInputs.filter { usedOriginalInputs.contains($0) }
    // Values that exist in the cut model under their own names.
    var present = Set<String>(keptOriginal)
    for i in needed { present.formUnion(g.nodes[i].outputs.filter { !$0.isEmpty }); present.formUnion(g.nodes[i].inputs.filter { !$0.isEmpty }) }
    for p in newInputs { present.remove(p.value) }
    for p in newInputs where present.contains(p.name) {
        if originalInputSet.contains(p.name) {
            let readers = needed.sorted().filter { g.nodes[$0].inputs.contains(p.name) }.map { names.nodeNames[$0] }
            throw GraphError("input name '\(p.name)' is taken: original input '\(p.name)' is still needed (by \(readers.joined(separator: ", "))); choose another alias")
        }
        throw GraphError("input name '\(p.name)' is already a value of the cut model; choose another alias")
    }
    var extraNodes: [Node] = []
    var outputNames: [String] = []
    var usedOutputNames = Set<String>()
    let finalNames = Set(present.map { rename[$0] ?? $0 }).union(newInputs.map(\.name))
    for p in allOutputs {
        let current = rename[p.value] ?? p.value
        if usedOutputNames.contains(p.name) {
            throw GraphError("two outputs would be named '\(p.name)'; give one an alias with NAME:alias")
        }
        usedOutputNames.insert(p.name)
        if p.name == current { outputNames.append(p.name); continue }
        if finalNames.contains(p.name) {
            throw GraphError("output name '\(p.name)' is already a value of the cut model; choose another alias")
        }
        let isGraphInput = inputValueSet[p.value] != nil || keptOriginal.contains(p.value)
        let outputTwice = allOutputs.filter { $0.value == p.value }.count > 1
        if isGraphInput || outputTwice || rename[p.value] != nil {
            extraNodes.append(Node(name: "Identity_\(p.name)", opType: "Identity", inputs: [current], outputs: [p.name]))
        } else {
            rename[p.value] = p.name
        }
        outputNames.append(p.name)
    }

    // Types (declared, else inferred).
    let inferred = ShapeInference.infer(model)
    func typeOf(_ v: String) -> ValueType { g.declaredType(of: v).flatMap { best($0, inferred[v]) } ?? inferred[v] ?? .unknown }

    func mapped(_ s: String) -> String { rename[s] ?? s }
    var nodes: [Node] = []
    for i in g.nodes.indices where needed.contains(i) {
        var n = g.nodes[i]
        n.inputs = n.inputs.map(mapped)
        n.outputs = n.outputs.map(mapped)
        nodes.append(n)
    }
    nodes += extraNodes

    var position: [Int: Int] = [:]
    for (p, i) in names.executionOrder.enumerated() { position[i] = p }
    let orderedNew = newInputs.sorted { (position[producer[$0.value] ?? -1] ?? -1) < (position[producer[$1.value] ?? -1] ?? -1) }
    var graphInputs: [ValueInfo] = []
    for v in g.inputs where usedOriginalInputs.contains(v.name) && g.initializers[v.name] == nil {
        var vi = v
        vi.name = mapped(v.name)
        graphInputs.append(vi)
    }
    var warnings: [String] = []
    func checkKnown(_ t: ValueType, _ name: String, _ value: String, _ role: String) {
        // onnx.checker wants the element type and the rank of every graph input and output;
        // neither is ever guessed.
        guard isTensorLike(t), t.dtype == nil || t.dims == nil else { return }
        let op = producer[value].map { " (made by \(g.nodes[$0].opType))" } ?? ""
        let what = t.dtype == nil ? "element type" : "rank"
        warnings.append("the \(what) of \(role) '\(name)'\(op) is unknown: the cut model runs here, but a saved copy will not pass onnx.checker")
    }
    for p in orderedNew {
        let t = typeOf(p.value)
        checkKnown(t, p.name, p.value, "input")
        graphInputs.append(ValueInfo(name: p.name, type: t))
    }
    // Initializer-backed inputs (older IR) stay when still read.
    let reads = Set(nodes.flatMap { $0.inputs + $0.implicitInputs })
    for v in g.inputs where g.initializers[v.name] != nil && reads.contains(v.name) { graphInputs.append(v) }

    var graphOutputs: [ValueInfo] = []
    for (p, name) in zip(allOutputs, outputNames) {
        var vi = ValueInfo(name: name, type: typeOf(p.value))
        checkKnown(vi.type, name, p.value, "output")
        if let declared = g.outputs.first(where: { $0.name == p.value }) { vi.docString = declared.docString; vi.metadata = declared.metadata }
        graphOutputs.append(vi)
    }

    let inputNames = Set(graphInputs.map(\.name)), outputNameSet = Set(outputNames)
    let produced = Set(nodes.flatMap(\.outputs))
    var valueInfo: [ValueInfo] = []
    for v in g.valueInfo {
        let name = mapped(v.name)
        guard inputValueSet[v.name] == nil else { continue }
        if produced.contains(name) && !inputNames.contains(name) && !outputNameSet.contains(name) {
            var vi = v
            vi.name = name
            valueInfo.append(vi)
        }
    }

    var newGraph = g
    newGraph.nodes = nodes
    newGraph.inputs = graphInputs
    newGraph.outputs = graphOutputs
    newGraph.valueInfo = valueInfo
    newGraph.removeUnusedInitializers()
    var result = model
    result.graph = newGraph

    // Summary.
    var inPorts: [CutPort] = []
    for v in graphInputs where g.initializers[v.name] == nil {
        if let p = newInputs.first(where: { $0.name == v.name }) {
            inPorts.append(CutPort(name: v.name, type: v.type.description, source: p.spec, neededBy: [], isOriginalInput: false))
        } else {
            let original = rename.first(where: { $0.value == v.name })?.key ?? v.name
            let readers = names.executionOrder.filter { needed.contains($0) && g.nodes[$0].inputs.contains(original) }.map { names.nodeNames[$0] }
            inPorts.append(CutPort(name: v.name, type: v.type.description, source: "", neededBy: readers, isOriginalInput: true))
        }
    }
    let outPorts = zip(allOutputs, graphOutputs).map { p, vi in
        CutPort(name: vi.name, type: vi.type.description, source: p.spec, neededBy: [], isOriginalInput: false)
    }
    var outSpecs: [(name: String, alias: String?)] = []
    for s in outputs {
        let shown = (try? names.resolve(s.name, in: model)).map { names.displayName($0) } ?? s.name
        outSpecs.append((shown, s.alias))
    }
    let seed = seedForm(inputs: inPorts.map(\.name), outputs: outSpecs,
                        original: keepOriginalOutputs ? originalOutputPorts.map(\.spec) : nil)
    return CutResult(model: result, summary: CutSummary(inputs: inPorts, outputs: outPorts, seedForm: seed, warnings: warnings))
}

/// Tensors and types nothing is known about (as opposed to sequences, optionals, maps).
private func isTensorLike(_ t: ValueType) -> Bool {
    switch t {
    case .tensor, .unknown: return true
    default: return false
    }
}

/// Prefers the declared type, filling what it leaves unknown from the inferred one.
private func best(_ declared: ValueType, _ inferred: ValueType?) -> ValueType? {
    guard case .tensor(let dd, let ds) = declared else { return declared }
    guard let inferred, case .tensor(let id, let ishape) = inferred else { return declared }
    var shape = ds
    if let d = ds, let i = ishape, d.count == i.count {
        shape = zip(d, i).map { a, b in if case .unknown = a { return b }; return a }
    } else if ds == nil {
        shape = ishape
    }
    return .tensor(dd ?? id, shape)
}

/// Python repr of a string.
func pyString(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
}

/// `{'input': ('x', 'my_input'), 'output': {'my_add': add}}` as surgeon-pytorch prints it.
private func seedForm(
    inputs: [String], outputs: [(name: String, alias: String?)], original: [String]?
) -> String {
    let inputText = inputs.count == 1 ? "(\(pyString(inputs[0])),)" : "(" + inputs.map(pyString).joined(separator: ", ") + ")"
    var out: String
    if outputs.contains(where: { $0.alias != nil }) {
        out = "{" + outputs.map { "\(pyString($0.alias ?? $0.name)): \($0.name)" }.joined(separator: ", ") + "}"
    } else if outputs.count == 1 {
        out = outputs[0].name
    } else {
        out = "[" + outputs.map(\.name).joined(separator: ", ") + "]"
    }
    if let original {
        let orig = original.count == 1 ? original[0] : "(" + original.joined(separator: ", ") + ")"
        out = outputs.isEmpty ? orig : "(\(orig), \(out))"
    }
    return "{'input': \(inputText), 'output': \(out)}"
}
