import Foundation
import SurgeonGraph

/// What a typed name resolved to.
public enum ResolvedName: Equatable, Sendable {
    /// A graph input (by ONNX value name).
    case input(String)
    /// A node, by index into `model.graph.nodes`.
    case node(Int)
    /// A module path, or one call of it (`layer1.0.relu_1`, see `ModelNames.occurrences`).
    case layer(String)
    /// A plain ONNX value name (an intermediate or output edge).
    case value(String)
}

/// Which PyTorch exporter wrote a model, as far as names tell.
public enum ModelExporter: String, Sendable {
    /// `torch.onnx.export(..., dynamo=True)`: `pkg.torch.onnx.name_scopes` metadata on nodes.
    case dynamo
    /// `torch.onnx.export(..., dynamo=False)`: node names are scopes (`/layer1/Gemm`).
    case torchScript = "torchscript"
    /// Neither: no layers, nodes keep their ONNX names.
    case unknown
}

/// One call of a module: the nodes it ran and the values it handed out.
public struct LayerOccurrence: Sendable, Equatable {
    /// The module path (`layer1.0.relu`).
    public let layer: String
    /// 0 for the first call, 1 for the second...
    public let index: Int
    /// Node indices (into `model.graph.nodes`) in execution order.
    public let nodes: [Int]
    /// The call's output values: produced inside, used outside it or graph outputs.
    public let outputs: [String]
    /// `layer1.0.relu` for the first call, `layer1.0.relu_1` for the second.
    public var label: String { index == 0 ? layer : "\(layer)_\(index)" }
}

/// A module that owns no node because the exporter folded it into another one (a Conv folded
/// into the next BatchNorm): known only from its parameter names.
public struct FoldedModule: Sendable, Equatable {
    public let path: String
    /// Its initializers (`layer1.0.conv1.weight`).
    public let initializers: [String]
    /// Nodes that read those initializers (indices into `model.graph.nodes`).
    public let readBy: [Int]
}

/// PyTorch-style names for a loaded ONNX model (the contract is notes/naming.md).
public struct ModelNames: Sendable {
    /// `get_layers`: module paths that own nodes, in first-execution order, parents first.
    public let layers: [String]
    /// `get_nodes`: graph inputs, then one unique friendly name per node, in topological order.
    public let nodes: [String]
    /// Friendly name of each node, indexed like `model.graph.nodes`.
    public let nodeNames: [String]
    /// Which exporter the names were recovered from.
    public let exporter: ModelExporter
    /// The module path of each node ("" for the root or unknown), indexed like `model.graph.nodes`.
    public let nodeModules: [String]
    /// Module paths from the outermost down to `nodeModules[i]`, per node.
    public let nodeModuleChains: [[String]]
    /// Every call of every layer, by module path.
    public let occurrences: [String: [LayerOccurrence]]
    /// Modules known only from parameter names (folded away by the exporter), by path.
    public let folded: [String: FoldedModule]
    /// Short class names of modules (dynamo exports only): `Linear`, `BasicBlock`.
    public let moduleClasses: [String: String]
    /// Node indices in execution order.
    public let executionOrder: [Int]

    let inputNames: [String]
    let valueNames: Set<String>
    let nodeIndexByName: [String: Int]
    let occurrenceByLabel: [String: LayerOccurrence]
    let layerSet: Set<String>

    public init(model: Model) {
        let g = model.graph
        let inputs = g.feedInputs.map(\.name)
        inputNames = inputs
        let order = (try? g.executionOrder()) ?? Array(g.nodes.indices)
        executionOrder = order
        var values = Set<String>()
        for n in g.nodes { values.formUnion(n.outputs.filter { !$0.isEmpty }) }
        valueNames = values

        let scopes = NodeScopes(model: model, order: order)
        exporter = scopes.exporter
        nodeModules = scopes.chains.map { $0.last?.path ?? "" }
        nodeModuleChains = scopes.chains.map { $0.map(\.path) }
        moduleClasses = scopes.classes

        // Layers: module paths in first-execution order, parents before children.
        var layerList: [String] = []
        var seenLayers = Set<String>()
        for i in order {
            for link in scopes.chains[i] where !seenLayers.contains(link.path) {
                seenLayers.insert(link.path)
                layerList.append(link.path)
            }
        }
        layers = layerList
        layerSet = seenLayers

        // Occurrences.
        let graphOutputs = Set(g.outputs.map(\.name))
        var consumers: [String: [Int]] = [:]
        for (i, n) in g.nodes.enumerated() {
            for v in Set(n.inputs + n.implicitInputs) where !v.isEmpty { consumers[v, default: []].append(i) }
        }
        var position = [Int](repeating: 0, count: g.nodes.count)
        for (p, i) in order.enumerated() { position[i] = p }
        var occ: [String: [LayerOccurrence]] = [:]
        var byLabel: [String: LayerOccurrence] = [:]
        let groups = scopes.callGroups(model: model, order: order, consumers: consumers, position: position)
        for path in layerList {
            guard let calls = groups[path] else { continue }
            var list: [LayerOccurrence] = []
            for (k, members) in calls.enumerated() {
                let set = Set(members)
                var outs: [String] = []
                for i in members {
                    for o in g.nodes[i].outputs where !o.isEmpty {
                        let usedOutside = (consumers[o] ?? []).contains { !set.contains($0) }
                        if usedOutside || graphOutputs.contains(o) { outs.append(o) }
                    }
                }
                let o = LayerOccurrence(layer: path, index: k, nodes: members, outputs: outs)
                list.append(o)
                byLabel[o.label] = o
            }
            occ[path] = list
        }
        occurrences = occ
        occurrenceByLabel = byLabel

        // Folded modules: parameter names whose module owns no node.
        var foldedMap: [String: FoldedModule] = [:]
        if scopes.exporter != .unknown {
            var inits: [String: [String]] = [:]
            var moduleOrder: [String] = []
            for name in g.initializerOrder {
                guard let dot = name.lastIndex(of: "."), !name.contains("::") else { continue }
                let module = String(name[..<dot])
                if module.isEmpty || seenLayers.contains(module) { continue }
                if inits[module] == nil { moduleOrder.append(module) }
                inits[module, default: []].append(name)
            }
            for m in moduleOrder {
                let names = inits[m] ?? []
                var readers: [Int] = []
                for n in names { readers.append(contentsOf: consumers[n] ?? []) }
                readers = Array(Set(readers)).sorted { position[$0] < position[$1] }
                foldedMap[m] = FoldedModule(path: m, initializers: names, readBy: readers)
            }
        }
        folded = foldedMap

        // Friendly node names.
        var allModules = seenLayers
        allModules.formUnion(foldedMap.keys)
        var prefixes = Set<String>()
        for m in allModules { for p in dottedPrefixes(m) { prefixes.insert(p) } }
        // A module is a leaf when no other known module lies under it: `prefixes` holds every
        // proper dotted prefix of a known module, so one lies under `m` exactly when it is there.
        func isLeaf(_ m: String) -> Bool { !prefixes.contains(m) }
        var bases = [String](repeating: "", count: g.nodes.count)
        switch scopes.exporter {
        case .unknown:
            for (i, n) in g.nodes.enumerated() { bases[i] = n.name.isEmpty ? "\(n.opType)_\(i)" : n.name }
        case .dynamo, .torchScript:
            // The node producing each call's output names the call.
            var outputNode = Set<Int>()
            for (_, list) in occ {
                for o in list {
                    let outs = Set(o.outputs)
                    let producers = o.nodes.filter { i in g.nodes[i].outputs.contains { outs.contains($0) } }
                    if let last = producers.max(by: { position[$0] < position[$1] }) ?? o.nodes.last {
                        outputNode.insert(last)
                    }
                }
            }
            // Dynamo: one FX node may become several ONNX nodes; name the group's output node `fn`.
            var fxGroups: [String: [Int]] = [:]
            for i in order where !scopes.fxNames[i].isEmpty {
                fxGroups[nodeModules[i] + "\u{1}" + scopes.fxNames[i], default: []].append(i)
            }
            var fxSecondary = Set<Int>()
            for (_, members) in fxGroups where members.count > 1 {
                let set = Set(members)
                let producers = members.filter { i in
                    g.nodes[i].outputs.contains { o in
                        graphOutputs.contains(o) || (consumers[o] ?? []).contains { !set.contains($0) }
                    }
                }
                let main = producers.max(by: { position[$0] < position[$1] }) ?? members.last
                for m in members where m != main { fxSecondary.insert(m) }
            }
            for i in order {
                let m = nodeModules[i]
                let op = scopes.opNames[i]
                if !m.isEmpty && isLeaf(m) {
                    bases[i] = outputNode.contains(i) ? m : m + "." + op
                } else {
                    let fn = scopes.functionNames[i]
                    var base = m.isEmpty ? fn : m + "." + fn
                    if fxSecondary.contains(i) { base += "." + op }
                    bases[i] = base
                }
            }
        }
        var used = Set(inputs)
        var counters: [String: Int] = [:]
        var names = [String](repeating: "", count: g.nodes.count)
        for i in order {
            let base = bases[i]
            var name = base
            if used.contains(name) {
                var k = counters[base] ?? 1
                while used.contains("\(base)_\(k)") { k += 1 }
                name = "\(base)_\(k)"
                counters[base] = k + 1
            }
            used.insert(name)
            names[i] = name
        }
        nodeNames = names
        nodes = inputs + order.map { names[$0] }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() { index[n] = i }
        nodeIndexByName = index
    }

    /// The module path of node `i`, or nil for a node at the root (or a model without layers).
    public func module(ofNode i: Int) -> String? {
        guard nodeModules.indices.contains(i) else { return nil }
        let m = nodeModules[i]
        return m.isEmpty ? nil : m
    }

    /// The call of a layer named by `label` (`layer1.0.relu` or `layer1.0.relu_1`).
    public func occurrence(_ label: String) -> LayerOccurrence? { occurrenceByLabel[label] }

    /// Index of the node with this friendly name.
    public func nodeIndex(named name: String) -> Int? { nodeIndexByName[name] }

    /// Every name a user may type (inputs, nodes, layers, occurrence labels).
    public var allNames: [String] {
        var out = nodes
        var seen = Set(nodes)
        for l in layers where !seen.contains(l) { out.append(l); seen.insert(l) }
        for label in occurrenceByLabel.keys.sorted() where !seen.contains(label) { out.append(label); seen.insert(label) }
        return out
    }

    /// Resolves a user-typed name: friendly node name, layer path, ONNX node name, ONNX value
    /// name, in that order. Misses and ambiguities throw a message naming the candidates.
    public func resolve(_ name: String, in model: Model) throws -> ResolvedName {
        if inputNames.contains(name) { return .input(name) }
        if let i = nodeIndexByName[name] { return .node(i) }
        if layerSet.contains(name) || occurrenceByLabel[name] != nil { return .layer(name) }
        let byONNXName = model.graph.nodes.indices.filter { model.graph.nodes[$0].name == name }
        if byONNXName.count == 1, let i = byONNXName.first { return .node(i) }
        if byONNXName.count > 1 {
            let list = byONNXName.map { "'\(nodeNames[$0])'" }.joined(separator: ", ")
            throw GraphError("'\(name)' is the ONNX name of \(byONNXName.count) nodes: \(list); use one of those names")
        }
        if valueNames.contains(name) { return .value(name) }
        if model.graph.inputs.contains(where: { $0.name == name }) || model.graph.initializers[name] != nil {
            throw GraphError("'\(name)' is a weight (initializer), not a node or layer")
        }
        if let f = folded[name] {
            throw GraphError(foldedMessage(f))
        }
        if let body = subgraphOwner(of: name, in: model) {
            throw GraphError("'\(name)' is computed inside the body of node '\(nodeNames[body])' (\(model.graph.nodes[body].opType)); only top-level nodes can be named")
        }
        // Dotted-suffix matches (`downsample.0`) are listed, never picked silently.
        let candidates = (allNames + folded.keys.sorted()).filter { $0.hasSuffix("." + name) }
        if candidates.count == 1, let c = candidates.first {
            throw GraphError("unknown node '\(name)' (did you mean '\(c)'?)")
        }
        if candidates.count > 1 {
            let shown = candidates.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = candidates.count > 8 ? " and \(candidates.count - 8) more" : ""
            throw GraphError("'\(name)' is ambiguous: it ends \(candidates.count) names: \(shown)\(more)")
        }
        // ONNX-style names get ONNX node names as suggestions too.
        let pool = name.contains("/") || name.contains("::") ? allNames + model.graph.nodes.map(\.name).filter { !$0.isEmpty } : allNames
        throw GraphError("unknown node '\(name)'" + suggestionSuffix(name, among: pool))
    }

    /// "module 'conv1' has no nodes: the exporter folded it ..." for a folded module.
    public func foldedMessage(_ f: FoldedModule) -> String {
        var s = "module '\(f.path)' owns no node in this export: the exporter folded it into another module"
        let readers = f.readBy.filter { nodeNames.indices.contains($0) }.map { "'\(nodeNames[$0])'" }
        if !readers.isEmpty {
            s += " (its parameters " + f.initializers.map { "'\($0)'" }.joined(separator: ", ")
                + " are read by node " + readers.joined(separator: ", ") + ")"
        }
        return s
    }

    /// The top-level node whose If/Loop/Scan body computes `value`, if any.
    func subgraphOwner(of value: String, in model: Model) -> Int? {
        func defines(_ g: Graph) -> Bool {
            for n in g.nodes {
                if n.outputs.contains(value) { return true }
                for a in n.attributes {
                    if case .graph(let sg) = a.value, defines(sg) || sg.inputs.contains(where: { $0.name == value }) { return true }
                    if case .graphs(let sgs) = a.value, sgs.contains(where: { defines($0) }) { return true }
                }
            }
            return false
        }
        for (i, n) in model.graph.nodes.enumerated() {
            for a in n.attributes {
                if case .graph(let sg) = a.value, defines(sg) || sg.inputs.contains(where: { $0.name == value }) { return i }
                if case .graphs(let sgs) = a.value, sgs.contains(where: { defines($0) }) { return i }
            }
        }
        return nil
    }

    /// The ONNX value names that are the output of a resolved name. A layer that runs several
    /// times gives the outputs of every call (name one call, `relu_1`, to get just that one).
    public func outputValues(of r: ResolvedName, in model: Model) -> [String] {
        switch r {
        case .input(let n), .value(let n): return [n]
        case .node(let i):
            guard model.graph.nodes.indices.contains(i) else { return [] }
            return model.graph.nodes[i].outputs.filter { !$0.isEmpty }
        case .layer(let l):
            if let calls = occurrences[l] { return calls.flatMap(\.outputs) }
            return occurrenceByLabel[l]?.outputs ?? []
        }
    }

    /// A printable name for a resolved name (the friendly one where there is one).
    public func displayName(_ r: ResolvedName) -> String {
        switch r {
        case .input(let n), .value(let n), .layer(let n): return n
        case .node(let i): return nodeNames.indices.contains(i) ? nodeNames[i] : "#\(i)"
        }
    }
}

// MARK: - Scope recovery

/// Per-node module chains recovered from exporter metadata or node names.
struct NodeScopes {
    struct Link {
        /// Full module path.
        var path: String
        /// What distinguishes calls of the module (legacy: the raw scope prefix).
        var callKey: String
    }

    var exporter: ModelExporter = .unknown
    var chains: [[Link]] = []
    /// Dynamo: FX node name with its counter (`linear_2`); "" otherwise.
    var fxNames: [String] = []
    /// `<fn>`: FX name without counter (dynamo) or snake-case op type (legacy).
    var functionNames: [String] = []
    /// Snake-case op type of each node (`matmul`).
    var opNames: [String] = []
    var classes: [String: String] = [:]

    init(model: Model, order: [Int]) {
        let nodes = model.graph.nodes
        chains = Array(repeating: [], count: nodes.count)
        fxNames = Array(repeating: "", count: nodes.count)
        // Loading small models is mostly naming them: everything below that depends only on a
        // piece of text (an op type, a module scope, a class list) is computed once per text.
        var snake: [String: String] = [:]
        opNames = nodes.map { n in
            if let s = snake[n.opType] { return s }
            let s = snakeCase(n.opType)
            snake[n.opType] = s
            return s
        }
        functionNames = opNames
        if nodes.contains(where: { $0.metadataValue("pkg.torch.onnx.name_scopes") != nil }) {
            exporter = .dynamo
            var links: [String: Link] = [:]
            var classLists: [String: [String]] = [:]
            var classKeys: [String: String] = [:]
            for (i, n) in nodes.enumerated() {
                guard let raw = n.metadataValue("pkg.torch.onnx.name_scopes"),
                      let scopes = parsePythonStringList(raw), scopes.count >= 2 else { continue }
                let fx = scopes[scopes.count - 1]
                fxNames[i] = fx
                functionNames[i] = stripCounter(fx)
                var chain: [Link] = []
                chain.reserveCapacity(scopes.count - 2)
                for m in scopes[1..<(scopes.count - 1)] where !m.isEmpty {
                    if let l = links[m] { chain.append(l); continue }
                    let l = NodeScopes.link(m)
                    links[m] = l
                    chain.append(l)
                }
                chains[i] = chain
                if let rawClasses = n.metadataValue("pkg.torch.onnx.class_hierarchy") {
                    let parsed: [String]?
                    if let c = classLists[rawClasses] { parsed = c } else {
                        parsed = parsePythonStringList(rawClasses)
                        if let parsed { classLists[rawClasses] = parsed }
                    }
                    guard let cls = parsed, cls.count == scopes.count else { continue }
                    if classes[""] == nil, let c = cls.first { classes[""] = shortClass(c) }
                    for (k, m0) in scopes.enumerated() where k > 0 && k < scopes.count - 1 && !m0.isEmpty {
                        let m: String
                        if let known = classKeys[m0] { m = known } else {
                            m = m0.split(separator: "@").first.map(String.init) ?? m0
                            classKeys[m0] = m
                        }
                        if classes[m] == nil { classes[m] = shortClass(cls[k]) }
                    }
                }
            }
        } else if nodes.contains(where: { $0.name.hasPrefix("/") }) {
            exporter = .torchScript
            // Module paths that own parameters (`block.conv_1.weight`): a scope `conv_1` naming
            // one of them is that module, not a second call of `conv`.
            var parameterModules = Set<String>()
            var paramNames = model.graph.initializerOrder
            for n in nodes where n.opType == "Identity" { paramNames += n.outputs }
            for name in paramNames where !name.contains("::") && !name.hasPrefix("/") {
                var parts = name.split(separator: ".").map(String.init)
                while parts.count > 1 {
                    parts.removeLast()
                    parameterModules.insert(parts.joined(separator: "."))
                }
            }
            var seen = Set<String>()
            for i in order {
                let n = nodes[i]
                guard n.name.hasPrefix("/") else { continue }
                let segments = n.name.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
                guard segments.count >= 2 else { continue }
                var path = ""
                var last = ""
                var key = ""
                var chain: [Link] = []
                for seg in segments.dropLast() {
                    key += "/" + seg
                    var segment = seg
                    // `relu_1` after `relu` was seen: the same module, called again.
                    if let (base, _) = splitCounter(seg) {
                        let candidate = TorchScriptScope.join(path, last, base)
                        let literal = TorchScriptScope.join(path, last, seg)
                        if seen.contains(candidate) && !parameterModules.contains(literal) { segment = base }
                    }
                    let parentPath: String
                    if !last.isEmpty, segment.hasPrefix(last + "."), path.hasSuffix(last) {
                        // `<container>.<index>`: replaces the container's last component.
                        parentPath = String(path.dropLast(last.count))
                        path = parentPath + segment
                    } else {
                        path = path.isEmpty ? segment : path + "." + segment
                    }
                    last = segment
                    seen.insert(path)
                    chain.append(Link(path: path, callKey: key))
                }
                chains[i] = chain
            }
        }
    }

    /// A dynamo module scope: `path`, or `path@k` (newer exporters name the call explicitly).
    static func link(_ m: String) -> Link {
        if let at = m.lastIndex(of: "@") {
            return Link(path: String(m[..<at]), callKey: String(m[m.index(after: at)...]))
        }
        return Link(path: m, callKey: "")
    }

    /// For every module path, its calls: lists of node indices in execution order.
    /// `order` is the execution order (`position` its inverse).
    func callGroups(model: Model, order: [Int], consumers: [String: [Int]], position: [Int]) -> [String: [[Int]]] {
        let nodes = model.graph.nodes
        var members: [String: [Int]] = [:]
        for i in order {
            for link in chains[i] { members[link.path, default: []].append(i) }
        }
        var producer: [String: Int] = [:]
        var valueIndex: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                producer[o] = i
                if valueIndex[o] == nil { valueIndex[o] = valueIndex.count }
            }
        }
        // Paths some call of which is named explicitly (`path@k`).
        var keyedPaths = Set<String>()
        for chain in chains { for link in chain where !link.callKey.isEmpty { keyedPaths.insert(link.path) } }
        // Each node's produced inputs as (producer, value number), looked up once rather than
        // once per enclosing module.
        var reads: [[(producer: Int, value: Int)]] = []
        if exporter != .torchScript {
            reads = nodes.map { n in
                n.inputs.compactMap { v in
                    guard !v.isEmpty, let p = producer[v], let k = valueIndex[v] else { return nil }
                    return (p, k)
                }
            }
        }
        let isConstant = nodes.map { $0.opType == "Constant" }
        var result: [String: [[Int]]] = [:]
        for (path, list) in members {
            if exporter == .torchScript || keyedPaths.contains(path) {
                // Distinct call keys (TorchScript's raw scope prefixes, or an exporter's
                // `path@k`) are distinct calls.
                var keys: [String] = []
                var groups: [String: [Int]] = [:]
                for i in list {
                    let key = chains[i].first(where: { $0.path == path })?.callKey ?? ""
                    if groups[key] == nil { keys.append(key) }
                    groups[key, default: []].append(i)
                }
                result[path] = keys.map { groups[$0] ?? [] }
            } else {
                // Dynamo: nodes connected by edges inside the module, or reading the same
                // computed value from outside, belong to one call.
                let set = Set(list)
                var parent = Dictionary(uniqueKeysWithValues: list.map { ($0, $0) })
                func find(_ x: Int) -> Int {
                    var r = x
                    while let p = parent[r], p != r { r = p }
                    return r
                }
                func union(_ a: Int, _ b: Int) {
                    let ra = find(a), rb = find(b)
                    if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
                }
                var firstReader: [Int: Int] = [:]
                for i in list {
                    for (p, v) in reads[i] {
                        if set.contains(p) {
                            union(p, i)
                        } else if !isConstant[p] {
                            if let other = firstReader[v] { union(other, i) } else { firstReader[v] = i }
                        }
                    }
                }
                var keys: [Int] = []
                var groups: [Int: [Int]] = [:]
                for i in list {
                    let r = find(i)
                    if groups[r] == nil { keys.append(r) }
                    groups[r, default: []].append(i)
                }
                result[path] = keys.map { groups[$0] ?? [] }
            }
        }
        return result
    }
}

enum TorchScriptScope {
    /// The path a scope segment leads to from `path` whose last written segment is `last`.
    static func join(_ path: String, _ last: String, _ segment: String) -> String {
        if !last.isEmpty, segment.hasPrefix(last + "."), path.hasSuffix(last) {
            return String(path.dropLast(last.count)) + segment
        }
        return path.isEmpty ? segment : path + "." + segment
    }
}

/// `relu_2` -> ("relu", 2); nil when there is no numeric counter.
func splitCounter(_ s: String) -> (String, Int)? {
    if s.utf8.allSatisfy({ $0 < 0x80 }) {
        // ASCII (FX names): the same on bytes, without grapheme breaking.
        guard let us = s.utf8.lastIndex(of: UInt8(ascii: "_")) else { return nil }
        let tail = s.utf8[s.utf8.index(after: us)...]
        guard !tail.isEmpty, tail.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let n = Int(s[s.utf8.index(after: us)...]) else { return nil }
        let base = String(s[..<us])
        return base.isEmpty ? nil : (base, n)
    }
    guard let us = s.lastIndex(of: "_") else { return nil }
    let tail = s[s.index(after: us)...]
    guard !tail.isEmpty, tail.allSatisfy(\.isASCII), tail.allSatisfy(\.isNumber), let n = Int(tail) else { return nil }
    let base = String(s[..<us])
    return base.isEmpty ? nil : (base, n)
}

/// `linear_2` -> `linear`; names without a counter are returned unchanged.
func stripCounter(_ s: String) -> String { splitCounter(s)?.0 ?? s }

/// `torch.nn.modules.linear.Linear` -> `Linear` (the last non-empty dotted component).
func shortClass(_ s: String) -> String {
    // ASCII (Python class paths): the same on bytes, without grapheme breaking.
    let utf8 = s.utf8
    if utf8.allSatisfy({ $0 < 0x80 }) {
        guard let end = utf8.lastIndex(where: { $0 != UInt8(ascii: ".") }) else { return s }
        let after = utf8.index(after: end)
        let start = utf8[..<after].lastIndex(of: UInt8(ascii: ".")).map { utf8.index(after: $0) } ?? utf8.startIndex
        return String(s[start..<after])
    }
    return s.split(separator: ".").last.map(String.init) ?? s
}

/// Every proper prefix of `m` ending before one of its dots, last first (`a.b.c` -> `a.b`,
/// `a`; `a..b` -> `a.`, `a`): the parents a module path names.
func dottedPrefixes(_ m: String) -> [String] {
    let utf8 = m.utf8
    if utf8.allSatisfy({ $0 < 0x80 }) {
        var out: [String] = []
        var i = utf8.endIndex
        while let dot = utf8[..<i].lastIndex(of: UInt8(ascii: ".")) {
            out.append(String(m[..<dot]))
            i = dot
        }
        return out
    }
    var parts = m.split(separator: ".", omittingEmptySubsequences: false)
    var out: [String] = []
    while parts.count > 1 {
        parts.removeLast()
        out.append(parts.joined(separator: "."))
    }
    return out
}

/// `MatMul` -> `matmul`, `GlobalAveragePool` -> `global_average_pool`, `LSTM` -> `lstm`.
public func snakeCase(_ op: String) -> String {
    // Op types are ASCII: on bytes this is a tenth of the Character/Foundation path's time,
    // and it ran twice per node on every load.
    asciiSnakeCase(op) ?? characterSnakeCase(op)
}

/// `snakeCase` on Characters (any text).
func characterSnakeCase(_ op: String) -> String {
    let s = Array(op.replacingOccurrences(of: "MatMul", with: "Matmul").replacingOccurrences(of: "NaN", with: "Nan"))
    var out = ""
    for (k, c) in s.enumerated() {
        if c.isUppercase && k > 0 {
            let prev = s[k - 1]
            let nextLower = k + 1 < s.count && s[k + 1].isLowercase
            if prev.isLowercase || prev.isNumber || (prev.isUppercase && nextLower) { out += "_" }
        }
        out += c.lowercased()
    }
    return out
}

/// `snakeCase` for an ASCII name (the same result, on bytes); nil when `op` is not ASCII.
func asciiSnakeCase(_ op: String) -> String? {
    let raw = Array(op.utf8)
    guard raw.allSatisfy({ $0 < 0x80 }) else { return nil }
    func replacing(_ from: [UInt8], _ to: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + from.count <= bytes.count && bytes[i..<(i + from.count)].elementsEqual(from) {
                out.append(contentsOf: to)
                i += from.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
    let s = replacing(Array("NaN".utf8), Array("Nan".utf8), in: replacing(Array("MatMul".utf8), Array("Matmul".utf8), in: raw))
    func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    var out: [UInt8] = []
    out.reserveCapacity(s.count + 4)
    for k in s.indices {
        let c = s[k]
        if isUpper(c) && k > 0 {
            let prev = s[k - 1]
            let nextLower = k + 1 < s.count && isLower(s[k + 1])
            if isLower(prev) || isDigit(prev) || (isUpper(prev) && nextLower) { out.append(UInt8(ascii: "_")) }
        }
        out.append(isUpper(c) ? c + 32 : c)
    }
    return String(decoding: out, as: UTF8.self)
}

/// Parses a Python list of strings as printed by `repr`: `['', 'layer1', "it's"]`.
func parsePythonStringList(_ text: String) -> [String]? {
    // On UTF-8 bytes: the syntax is ASCII, and walking Characters (grapheme breaking) made
    // this a sixth of the load time of dynamo exports. Foundation's trimming (through
    // NSString) then was most of the names' time: only a text that is not already bracketed
    // can have whitespace to trim.
    let utf8 = text.utf8
    if utf8.first == UInt8(ascii: "["), utf8.last == UInt8(ascii: "]"),
       let items = utf8.withContiguousStorageIfAvailable({ parsePythonStringList(bytes: $0) }) {
        return items
    }
    let trimmed = Array(text.trimmingCharacters(in: .whitespaces).utf8)
    return trimmed.withUnsafeBufferPointer { parsePythonStringList(bytes: $0) }
}

/// `parsePythonStringList` on the text's UTF-8 bytes.
private func parsePythonStringList(bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
    guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
    let end = bytes.count - 1
    var items: [String] = []
    var i = 1
    var s: [UInt8] = []
    while i < end {
        let c = bytes[i]
        if c == UInt8(ascii: " ") || c == UInt8(ascii: ",") { i += 1; continue }
        guard c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") else { return nil }
        let quote = c
        s.removeAll(keepingCapacity: true)
        i += 1
        // Most items have no escape: taken straight from the text.
        var j = i
        while j < end && bytes[j] != quote && bytes[j] != UInt8(ascii: "\\") { j += 1 }
        if j < end && bytes[j] == quote {
            items.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self))
            i = j + 1
            continue
        }
        var closed = false
        while i < end {
            let d = bytes[i]
            if d == UInt8(ascii: "\\"), i + 1 < end {
                s.append(bytes[i + 1])
                i += 2
                continue
            }
            if d == quote { closed = true; i += 1; break }
            s.append(d)
            i += 1
        }
        guard closed else { return nil }
        items.append(String(decoding: s, as: UTF8.self))
    }
    return items
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
