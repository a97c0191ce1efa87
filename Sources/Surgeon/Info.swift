import Foundation
import SurgeonGraph
import SurgeonTensor

/// `info NAME` and `tree` for a loaded model: names, inferred types, parameters and MACs.
public struct ModelOverview {
    public let model: Model
    public let names: ModelNames
    /// Declared or inferred type of every top-level value.
    public let types: [String: ValueType]

    /// Output -> input of `Identity` nodes reading an initializer.
    let identitySource: [String: String]

    public init(model: Model, names: ModelNames? = nil) {
        self.model = model
        var ids: [String: String] = [:]
        for n in model.graph.nodes where n.opType == "Identity" && n.inputs.count == 1 && model.graph.initializers[n.inputs[0]] != nil {
            if let o = n.outputs.first { ids[o] = n.inputs[0] }
        }
        identitySource = ids
        if let names, names.nodeNames.count == model.graph.nodes.count {
            self.names = names
        } else {
            self.names = ModelNames(model: model)
        }
        var t = ShapeInference.infer(model)
        for (k, v) in t { if let d = model.graph.declaredType(of: k), d.dims != nil, d.dtype != nil { t[k] = d } else { t[k] = v } }
        types = t
    }

    public func typeText(_ value: String) -> String { (types[value] ?? model.graph.declaredType(of: value) ?? .unknown).description }

    /// The initializer behind a value: the value itself, or what an `Identity` of an
    /// initializer passes on (the TorchScript exporter's shared-weight copies).
    public func weight(_ v: String) -> (name: String, tensor: Tensor)? {
        if let t = model.graph.initializers[v] { return (v, t) }
        if let p = identitySource[v], let t = model.graph.initializers[p] { return (p, t) }
        return nil
    }

    /// Parameters (initializer elements) a node reads directly.
    public func parameterCount(node i: Int) -> Int {
        guard model.graph.nodes.indices.contains(i) else { return 0 }
        var seen = Set<String>()
        var total = 0
        for v in model.graph.nodes[i].inputs where !v.isEmpty && !seen.contains(v) {
            seen.insert(v)
            if let w = weight(v) { total += w.tensor.count }
        }
        return total
    }

    /// Multiply-accumulates of a Conv, ConvTranspose, Gemm or MatMul node, when shapes are known.
    public func macs(node i: Int) -> Int? {
        guard model.graph.nodes.indices.contains(i) else { return nil }
        let n = model.graph.nodes[i]
        func dims(_ k: Int) -> [Int]? {
            guard k < n.inputs.count else { return nil }
            let v = n.inputs[k]
            return types[v]?.dims.flatMap { d in d.allSatisfy { $0.value != nil } ? d.compactMap(\.value) : nil }
        }
        func outDims() -> [Int]? {
            guard let o = n.outputs.first else { return nil }
            return types[o]?.dims.flatMap { d in d.allSatisfy { $0.value != nil } ? d.compactMap(\.value) : nil }
        }
        switch n.opType {
        case "Conv":
            guard let w = dims(1), let out = outDims(), w.count >= 2 else { return nil }
            return out.reduce(1, *) * w.dropFirst().reduce(1, *)
        case "ConvTranspose":
            guard let w = dims(1), let x = dims(0), w.count >= 2 else { return nil }
            return x.reduce(1, *) * w.dropFirst().reduce(1, *)
        case "Gemm":
            guard let a = dims(0), let out = outDims(), a.count == 2 else { return nil }
            var transA = false
            if case .int(let t)? = n.attribute("transA") { transA = t != 0 }
            return out.reduce(1, *) * (transA ? a[0] : a[1])
        case "MatMul":
            guard let a = dims(0), let out = outDims(), let k = a.last else { return nil }
            return out.reduce(1, *) * k
        default:
            return nil
        }
    }

    /// Text for `info NAME`: a node (op, domain/opset, ONNX name, module, attributes A-Z,
    /// typed inputs and outputs, parameters, MACs), a layer, an input or value, or a module
    /// the exporter folded away.
    public func info(_ name: String) throws -> String {
        let r: ResolvedName
        do {
            r = try names.resolve(name, in: model)
        } catch {
            if let f = names.folded[name] { return names.foldedMessage(f) }
            throw error
        }
        switch r {
        case .node(let i): return nodeInfo(i)
        case .layer(let l): return layerInfo(l)
        case .input(let v), .value(let v): return valueInfo(v)
        }
    }

    func nodeInfo(_ i: Int) -> String {
        let n = model.graph.nodes[i]
        let domain = n.domain.isEmpty ? "ai.onnx" : n.domain
        let opset = model.opsetImports[n.domain] ?? (n.domain.isEmpty ? model.opset : 1)
        var lines = ["node \(names.nodeNames[i])"]
        lines.append("  op:          \(n.opType) (\(domain), opset \(opset))")
        lines.append("  ONNX name:   \(n.name.isEmpty ? "(none)" : n.name)")
        if let m = names.module(ofNode: i) {
            let cls = names.moduleClasses[m].map { " (\($0))" } ?? ""
            let call = names.occurrences[m].flatMap { calls in calls.first { $0.nodes.contains(i) } }
            let count = names.occurrences[m]?.count ?? 0
            let callText = count > 1 ? ", call \((call?.index ?? 0) + 1) of \(count) (\(call.map { $0.label } ?? "?"))" : ""
            lines.append("  module:      \(m)\(cls)\(callText)")
        } else if names.exporter != .unknown {
            lines.append("  module:      (root)")
        }
        if !n.attributes.isEmpty {
            lines.append("  attributes:")
            for a in n.attributes.sorted(by: { $0.name.lowercased() < $1.name.lowercased() }) {
                lines.append("    \(a.name) = \(attributeText(a.value))")
            }
        }
        lines.append("  inputs:")
        let width = (n.inputs + n.outputs).map(\.count).max() ?? 0
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        for v in n.inputs {
            if v.isEmpty { lines.append("    (omitted)"); continue }
            let w = weight(v).map { $0.name == v ? "  (weight)" : "  (weight \($0.name))" } ?? ""
            lines.append("    \(pad(v))  \(typeText(v))\(w)")
        }
        lines.append("  outputs:")
        for v in n.outputs where !v.isEmpty { lines.append("    \(pad(v))  \(typeText(v))") }
        lines.append("  parameters:  \(grouped(parameterCount(node: i)))")
        if let m = macs(node: i) { lines.append("  MACs:        \(grouped(m))") }
        return lines.joined(separator: "\n")
    }

    func layerInfo(_ label: String) -> String {
        let calls: [LayerOccurrence]
        if let c = names.occurrences[label] { calls = c } else if let o = names.occurrence(label) { calls = [o] } else { calls = [] }
        let path = calls.first?.layer ?? label
        let cls = names.moduleClasses[path].map { " (\($0))" } ?? ""
        var lines = ["layer \(label)\(cls)"]
        let nodeSet = calls.flatMap(\.nodes)
        lines.append("  calls:       \(calls.count)" + (calls.count > 1 ? " (" + calls.map(\.label).joined(separator: ", ") + ")" : ""))
        lines.append("  nodes:       \(nodeSet.count)" + (nodeSet.count <= 8 ? " (" + nodeSet.map { names.nodeNames[$0] }.joined(separator: ", ") + ")" : ""))
        var params: [String: Int] = [:]
        for i in nodeSet { for v in model.graph.nodes[i].inputs { if let w = weight(v) { params[w.name] = w.tensor.count } } }
        lines.append("  parameters:  \(grouped(params.values.reduce(0, +)))")
        let m = nodeSet.compactMap { macs(node: $0) }
        if !m.isEmpty { lines.append("  MACs:        \(grouped(m.reduce(0, +)))") }
        let folded = names.folded.keys.filter { $0.hasPrefix(path + ".") }.sorted()
        if !folded.isEmpty { lines.append("  folded away: " + folded.joined(separator: ", ") + " (the exporter merged them into other modules)") }
        lines.append("  outputs:")
        for c in calls {
            for v in c.outputs { lines.append("    \(calls.count > 1 ? c.label + ": " : "")\(v)  \(typeText(v))") }
        }
        return lines.joined(separator: "\n")
    }

    func valueInfo(_ v: String) -> String {
        let g = model.graph
        var lines = ["value \(v)", "  type:        \(typeText(v))"]
        if let p = g.nodes.indices.first(where: { g.nodes[$0].outputs.contains(v) }) {
            lines.append("  produced by: \(names.nodeNames[p]) (\(g.nodes[p].opType))")
        } else if g.inputs.contains(where: { $0.name == v }) {
            lines.append("  graph input")
        }
        let readers = names.executionOrder.filter { g.nodes[$0].inputs.contains(v) }.map { names.nodeNames[$0] }
        if !readers.isEmpty { lines.append("  read by:     " + readers.joined(separator: ", ")) }
        if g.outputs.contains(where: { $0.name == v }) { lines.append("  graph output") }
        return lines.joined(separator: "\n")
    }

    /// Modules containing nodes, in execution order.
    public func tree() -> ModelTree {
        var children: [String: [TreeItemRef]] = [:]
        var seen = Set<String>()
        for i in names.executionOrder {
            let chain = names.nodeModuleChains.indices.contains(i) ? names.nodeModuleChains[i] : []
            var parent = ""
            for m in chain {
                if !seen.contains(m) {
                    seen.insert(m)
                    children[parent, default: []].append(.module(m))
                }
                parent = m
            }
            children[parent, default: []].append(.node(i))
        }
        func build(_ path: String, parent: String) -> TreeModule {
            var items: [TreeItem] = []
            var params = 0
            for c in children[path] ?? [] {
                switch c {
                case .module(let m):
                    let sub = build(m, parent: path)
                    params += sub.parameterCount
                    items.append(.module(sub))
                case .node(let i):
                    let p = parameterCount(node: i)
                    params += p
                    let out = model.graph.nodes[i].outputs.first { !$0.isEmpty }
                    items.append(.node(TreeNode(index: i, name: names.nodeNames[i], op: model.graph.nodes[i].opType,
                                                outputType: out.map(typeText) ?? "", parameterCount: p)))
                }
            }
            let shortName = parent.isEmpty ? path : String(path.dropFirst(parent.count + 1))
            return TreeModule(path: path, name: shortName, className: names.moduleClasses[path], children: items, parameterCount: params)
        }
        var root = build("", parent: "")
        root.name = names.moduleClasses[""] ?? (model.graph.name.isEmpty ? "model" : model.graph.name)
        return ModelTree(root: root)
    }
}

private enum TreeItemRef {
    case module(String)
    case node(Int)
}

/// A module in the tree: its nodes and submodules in execution order.
public struct TreeModule: Sendable {
    public var path: String
    /// The name relative to the parent module (`conv1` under `layer1.0`).
    public var name: String
    public var className: String?
    public var children: [TreeItem]
    /// Parameters of every node inside.
    public var parameterCount: Int
}

public struct TreeNode: Sendable {
    /// Index into `model.graph.nodes`.
    public let index: Int
    public let name: String
    public let op: String
    /// dtype[shape] of the first output.
    public let outputType: String
    public let parameterCount: Int
}

public enum TreeItem: Sendable {
    case module(TreeModule)
    case node(TreeNode)
}

public struct ModelTree: Sendable {
    public var root: TreeModule

    /// torchinfo-style text: one row per module and node, drawn with `├─ └─ │`.
    public func renderText() -> String {
        var rows: [(String, String, String, String)] = []
        rows.append((root.name, "", "", grouped(root.parameterCount)))
        func walk(_ m: TreeModule, _ prefix: String) {
            for (k, item) in m.children.enumerated() {
                let last = k == m.children.count - 1
                let branch = prefix + (last ? "└─ " : "├─ ")
                let next = prefix + (last ? "   " : "│  ")
                switch item {
                case .module(let sub):
                    // A module that is one node named after it (a Linear) takes one row.
                    if sub.children.count == 1, case .node(let n)? = sub.children.first, n.name == sub.path {
                        rows.append((branch + sub.name + (sub.className.map { " (\($0))" } ?? ""), n.op, n.outputType,
                                     n.parameterCount > 0 ? grouped(n.parameterCount) : "--"))
                        continue
                    }
                    rows.append((branch + sub.name + (sub.className.map { " (\($0))" } ?? ""), "", "",
                                 sub.parameterCount > 0 ? grouped(sub.parameterCount) : "--"))
                    walk(sub, next)
                case .node(let n):
                    rows.append((branch + n.name, n.op, n.outputType, n.parameterCount > 0 ? grouped(n.parameterCount) : "--"))
                }
            }
        }
        walk(root, "")
        let w0 = max(20, rows.map(\.0.count).max() ?? 0), w1 = max(4, rows.map(\.1.count).max() ?? 0)
        let w2 = max(6, rows.map(\.2.count).max() ?? 0), w3 = max(6, rows.map(\.3.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        let header = pad("Layer (node)", w0) + "  " + pad("Op", w1) + "  " + pad("Output", w2) + "  " + lpad("Params", w3)
        let rule = String(repeating: "=", count: header.count)
        var lines = [rule, header, rule]
        for r in rows {
            lines.append((pad(r.0, w0) + "  " + pad(r.1, w1) + "  " + pad(r.2, w2) + "  " + lpad(r.3, w3))
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        lines.append(rule)
        lines.append("Total params: \(grouped(root.parameterCount))")
        return lines.joined(separator: "\n")
    }
}

/// 11689512 -> "11,689,512".
func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (k, c) in s.enumerated() {
        if k > 0 && (s.count - k) % 3 == 0 { out += "," }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

func attributeText(_ v: AttributeValue) -> String {
    switch v {
    case .float(let f): return "\(f)"
    case .int(let i): return "\(i)"
    case .string(let s): return "'\(s)'"
    case .tensor(let t): return t.count <= 8 && t.dtype != .string ? "tensor \(t.typeDescription) \(t.doubleArray())" : "tensor \(t.typeDescription)"
    case .graph(let g): return "graph '\(g.name)' (\(g.nodes.count) nodes)"
    case .floats(let f): return "\(f)"
    case .ints(let i): return "\(i)"
    case .strings(let s): return "\(s)"
    case .tensors(let t): return "\(t.count) tensors"
    case .graphs(let g): return "\(g.count) graphs"
    case .type(let t): return "\(t)"
    case .types(let t): return "\(t)"
    case .sparseTensor(let t): return "sparse tensor \(t.typeDescription)"
    case .reference(let r): return "@\(r)"
    }
}
