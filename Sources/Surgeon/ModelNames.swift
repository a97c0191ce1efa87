import SurgeonGraph

/// What a typed name resolved to.
public enum ResolvedName: Equatable, Sendable {
    /// A graph input (by ONNX value name).
    case input(String)
    /// A node, by index into `model.graph.nodes`.
    case node(Int)
    /// A module path; `occurrences` lists, per call of the module, the node indices it owns.
    case layer(String)
    /// A plain ONNX value name (an intermediate or output edge).
    case value(String)
}

/// PyTorch-style names for a loaded ONNX model (see docs/naming.md).
///
/// First version: ONNX names only. The Surgeon issue replaces this with names recovered from
/// the exporters' metadata and scopes.
public struct ModelNames: Sendable {
    /// `get_layers`: module paths in first-execution order.
    public let layers: [String]
    /// `get_nodes`: graph inputs, then one unique friendly name per node, in topological order.
    public let nodes: [String]
    /// Friendly name of each node, indexed like `model.graph.nodes`.
    public let nodeNames: [String]
    let inputNames: [String]
    let valueNames: Set<String>

    public init(model: Model) {
        let g = model.graph
        inputNames = g.feedInputs.map(\.name)
        // Friendly names are unique: a repeated name gets `_1`, `_2`, ... skipping any suffix
        // that another node (or an input) already uses.
        var taken = Set(inputNames)
        let onnxNames = Set(g.nodes.map(\.name))
        var counter: [String: Int] = [:]
        var names: [String] = []
        for (i, n) in g.nodes.enumerated() {
            let base = n.name.isEmpty ? "\(n.opType)_\(i)" : n.name
            var name = base
            if taken.contains(name) {
                var k = counter[base] ?? 0
                repeat { k += 1; name = "\(base)_\(k)" } while taken.contains(name) || onnxNames.contains(name)
                counter[base] = k
            }
            taken.insert(name)
            names.append(name)
        }
        nodeNames = names
        nodes = inputNames + names
        layers = []
        var values = Set<String>()
        for n in g.nodes { values.formUnion(n.outputs) }
        valueNames = values
    }

    /// Resolves a user-typed name: friendly node name, layer path, ONNX node name, ONNX value
    /// name, in that order.
    public func resolve(_ name: String, in model: Model) throws -> ResolvedName {
        if inputNames.contains(name) { return .input(name) }
        if let i = nodeNames.firstIndex(of: name) { return .node(i) }
        if let i = model.graph.nodes.firstIndex(where: { $0.name == name }) { return .node(i) }
        if valueNames.contains(name) { return .value(name) }
        throw GraphError("unknown node '\(name)'" + suggestionSuffix(name, among: nodes))
    }

    /// The ONNX value names that are the output of a resolved name.
    public func outputValues(of r: ResolvedName, in model: Model) -> [String] {
        switch r {
        case .input(let n), .value(let n): return [n]
        case .node(let i): return model.graph.nodes[i].outputs.filter { !$0.isEmpty }
        case .layer: return []
        }
    }
}

/// ` (did you mean 'x'?)` for the closest candidates by edit distance, or "".
public func suggestionSuffix(_ name: String, among candidates: [String]) -> String {
    let close = closestNames(name, among: candidates)
    guard !close.isEmpty else { return "" }
    return " (did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?)"
}

/// Up to three candidates within a small edit distance of `name`, closest first.
public func closestNames(_ name: String, among candidates: [String], limit: Int = 3) -> [String] {
    // Edit distance is quadratic: a megabyte-long typo must not stall the shell.
    guard name.count <= 256 else { return [] }
    let threshold = max(2, name.count / 3)
    let lower = name.lowercased()
    let scored = candidates.filter { abs($0.count - name.count) <= threshold }.map { ($0, editDistance(lower, $0.lowercased())) }
    return scored.filter { $0.1 <= threshold }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(limit).map(\.0)
}

/// Levenshtein distance.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}
