import Surgeon
import SurgeonGraph
import SurgeonTensor

/// `info NAME`: what a node or layer is.
enum InfoText {
    static func describe(_ r: ResolvedName, in m: LoadedModel) -> String {
        let g = m.model.graph
        switch r {
        case .input(let name):
            return "input \(name): \(g.declaredType(of: name)?.description ?? "?")"
        case .value(let name):
            return "value \(name): \(g.declaredType(of: name)?.description ?? "?")"
        case .layer(let path):
            return "layer \(path)"
        case .node(let i):
            let n = g.nodes[i]
            var lines: [String] = []
            lines.append("\(m.names.nodeNames[i])")
            lines.append("  op:        \(n.opType) (\(n.domain.isEmpty ? "ai.onnx" : n.domain), opset \(m.model.opsetImports[n.domain] ?? m.model.opset))")
            lines.append("  onnx name: \(n.name.isEmpty ? "(none)" : n.name)")
            for a in n.attributes.sorted(by: { $0.name < $1.name }) {
                lines.append("  attribute \(a.name) = \(attributeText(a.value))")
            }
            var params = 0
            for (k, inp) in n.inputs.enumerated() where !inp.isEmpty {
                let t = g.declaredType(of: inp)?.description ?? "?"
                if let w = g.initializers[inp] { params += w.count }
                lines.append("  input \(k):   \(inp): \(t)\(g.initializers[inp] != nil ? " (weight)" : "")")
            }
            for (k, o) in n.outputs.enumerated() where !o.isEmpty {
                lines.append("  output \(k):  \(o): \(g.declaredType(of: o)?.description ?? "?")")
            }
            lines.append("  parameters: \(params)")
            return lines.joined(separator: "\n")
        }
    }

    static func attributeText(_ v: AttributeValue) -> String {
        switch v {
        case .float(let f): return String(f)
        case .int(let i): return String(i)
        case .string(let s): return "'\(s)'"
        case .ints(let a): return "[" + a.map(String.init).joined(separator: ", ") + "]"
        case .floats(let a): return "[" + a.map { String($0) }.joined(separator: ", ") + "]"
        case .strings(let a): return "[" + a.map { "'\($0)'" }.joined(separator: ", ") + "]"
        case .tensor(let t), .sparseTensor(let t): return "tensor \(t.typeDescription)"
        case .tensors(let ts): return "\(ts.count) tensors"
        case .graph(let g): return "graph '\(g.name)' (\(g.nodes.count) nodes)"
        case .graphs(let gs): return "\(gs.count) graphs"
        case .type(let t): return t.description
        case .types(let ts): return ts.map(\.description).joined(separator: ", ")
        case .reference(let r): return "@\(r)"
        }
    }
}

/// Plain-text `tree`.
enum TreeText {
    static func render(_ m: LoadedModel, focus: String?) -> String {
        let g = m.model.graph
        var lines = ["\(m.name) (\(g.nodes.count) nodes)"]
        for (i, n) in g.nodes.enumerated() {
            let last = i == g.nodes.count - 1
            let params = n.inputs.compactMap { g.initializers[$0]?.count }.reduce(0, +)
            let out = n.outputs.first.flatMap { g.declaredType(of: $0)?.description } ?? ""
            lines.append("\(last ? "└─" : "├─") \(m.names.nodeNames[i])  \(n.opType)  \(out)\(params > 0 ? "  \(params) params" : "")")
        }
        return lines.joined(separator: "\n")
    }
}
