import Foundation
import SurgeonTensor

/// What an observer is told after each top-level node runs.
public struct NodeEvent {
    public let index: Int
    public let node: Node
    /// (value name, value) for every output the node produced.
    public let outputs: [(String, Value)]
}

/// Thrown when a run is cancelled between nodes.
public struct RunCancelled: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "cancelled" }
}

/// Runs a model node by node, in topological order. Observers see every node's outputs as
/// they are produced (Inspect is built on this); values are released after their last use.
public final class Interpreter {
    public let model: Model
    public let registry: OpRegistry
    private let functions: [String: Function]
    /// Checked between nodes; return true to stop the run with `RunCancelled`.
    public var shouldCancel: (() -> Bool)?
    /// Called where `shouldCancel` is; a throw stops the run with that error (the memory budget).
    public var checkBetweenNodes: (() throws -> Void)?

    public init(model: Model, registry: OpRegistry = .standard) {
        self.model = model
        self.registry = registry
        var f: [String: Function] = [:]
        for fn in model.functions { f[Interpreter.functionKey(fn.domain, fn.name, fn.overload)] = fn }
        functions = f
    }

    static func functionKey(_ domain: String, _ name: String, _ overload: String) -> String {
        (domain == "ai.onnx" ? "" : domain) + "::" + name + "::" + overload
    }

    func function(for n: Node) -> Function? {
        functions[Interpreter.functionKey(n.domain, n.opType, n.overload)]
    }

    /// Ops of the top-level graph (and its subgraphs) that this build cannot run, as
    /// "domain op (opset N)" strings.
    public func unsupportedOps() -> [String] {
        var missing: [String] = []
        var seen = Set<String>()
        var visitedFunctions = Set<String>()
        func visit(_ nodes: [Node], _ opsets: [String: Int]) {
            for n in nodes {
                let key = n.domain + "::" + n.opType
                if let fn = function(for: n) {
                    let fk = Interpreter.functionKey(fn.domain, fn.name, fn.overload)
                    if !visitedFunctions.contains(fk) {
                        visitedFunctions.insert(fk)
                        var fnOpsets = opsets
                        for (k, v) in fn.opsetImports { fnOpsets[k] = v }
                        visit(fn.nodes, fnOpsets)
                    }
                    continue
                }
                if registry.kernel(domain: n.domain, op: n.opType, opset: opset(n.domain, opsets)) == nil,
                   !seen.contains(key) {
                    seen.insert(key)
                    let dom = n.domain.isEmpty ? "ai.onnx" : n.domain
                    missing.append("\(n.opType) (domain \(dom), opset \(opset(n.domain, opsets)))")
                }
                for a in n.attributes {
                    if case .graph(let sg) = a.value { visit(sg.nodes, opsets) }
                    if case .graphs(let sgs) = a.value { sgs.forEach { visit($0.nodes, opsets) } }
                }
            }
        }
        visit(model.graph.nodes, model.opsetImports)
        return missing
    }

    private func opset(_ domain: String, _ opsets: [String: Int]) -> Int {
        if domain.isEmpty || domain == "ai.onnx" { return opsets[""] ?? opsets["ai.onnx"] ?? 1 }
        return opsets[domain] ?? 1
    }

    /// Runs the model.
    /// - Parameters:
    ///   - feeds: values for graph inputs (initializer-backed inputs may be omitted).
    ///   - outputs: which values to return; nil means the graph outputs.
    ///   - observer: called after each top-level node with its outputs.
    /// - Returns: the requested values by name.
    public func run(
        feeds: [String: Value], outputs requested: [String]? = nil,
        observer: ((NodeEvent) -> Void)? = nil
    ) throws -> [String: Value] {
        if model.opset > OpRegistry.newestOpset {
            throw GraphError("cannot run: the model imports ai.onnx opset \(model.opset), newer than this build knows (up to \(OpRegistry.newestOpset))")
        }
        let missing = unsupportedOps()
        if !missing.isEmpty {
            throw GraphError("cannot run: no kernel for \(missing.joined(separator: ", "))")
        }
        let g = model.graph
        let scope = Scope(parent: nil)
        for (k, v) in g.initializers { scope.values[k] = .tensor(v) }
        for inp in g.inputs {
            if let v = feeds[inp.name] {
                scope.values[inp.name] = v
            } else if g.initializers[inp.name] == nil {
                throw GraphError("input '\(inp.name)' (\(inp.type)) was not given")
            }
        }
        for (k, v) in feeds where scope.values[k] == nil { scope.values[k] = v }
        let wanted = requested ?? g.outputs.map(\.name)
        try execute(graph: g, scope: scope, opsets: model.opsetImports, keep: Set(wanted), observer: observer)
        var result: [String: Value] = [:]
        for name in wanted {
            guard let v = scope.lookup(name) else {
                throw GraphError("output '\(name)' was not computed")
            }
            result[name] = v
        }
        return result
    }

    final class Scope {
        var values: [String: Value] = [:]
        let parent: Scope?
        init(parent: Scope?) { self.parent = parent }
        func lookup(_ name: String) -> Value? {
            if let v = values[name] { return v }
            return parent?.lookup(name)
        }
        func contains(_ name: String) -> Bool {
            if values[name] != nil { return true }
            return parent?.contains(name) ?? false
        }
    }

    private func execute(
        graph g: Graph, scope: Scope, opsets: [String: Int], keep: Set<String>,
        observer: ((NodeEvent) -> Void)?
    ) throws {
        let parent = scope.parent
        let order = try g.executionOrder(isOuter: { parent?.contains($0) ?? false })
        // Last reader of each value, so intermediates are released as soon as possible.
        // What each step reads, computed once: implicit inputs walk the node's subgraphs.
        let reads = order.map { g.nodes[$0].inputs + g.nodes[$0].implicitInputs }
        var lastUse: [String: Int] = [:]
        for (step, names) in reads.enumerated() {
            for name in names { lastUse[name] = step }
        }
        for (step, i) in order.enumerated() {
            if let shouldCancel, shouldCancel() { throw RunCancelled() }
            try checkBetweenNodes?()
            let node = g.nodes[i]
            let outs = try runNode(node, scope: scope, opsets: opsets)
            var produced: [(String, Value)] = []
            for (k, name) in node.outputs.enumerated() where !name.isEmpty && k < outs.count {
                scope.values[name] = outs[k]
                produced.append((name, outs[k]))
            }
            observer?(NodeEvent(index: i, node: node, outputs: produced))
            for name in reads[step] where lastUse[name] == step && !keep.contains(name) {
                if g.initializers[name] == nil { scope.values[name] = nil }
            }
        }
    }

    private func runNode(_ node: Node, scope: Scope, opsets: [String: Int]) throws -> [Value] {
        var inputs: [Value?] = []
        inputs.reserveCapacity(node.inputs.count)
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            guard let v = scope.lookup(name) else {
                throw GraphError("node '\(node.displayName)' reads '\(name)', which has no value")
            }
            inputs.append(v)
        }
        let version = opset(node.domain, opsets)
        if let fn = function(for: node) {
            return try runFunction(fn, node: node, inputs: inputs, scope: scope, opsets: opsets)
        }
        guard let kernel = registry.kernel(domain: node.domain, op: node.opType, opset: version) else {
            let dom = node.domain.isEmpty ? "ai.onnx" : node.domain
            throw GraphError("no kernel for \(node.opType) (domain \(dom), opset \(version))")
        }
        let ctx = OpContext(node: node, inputs: inputs, opset: version) { [unowned self] sub, args in
            try self.runSubgraph(sub, args: args, parent: scope, opsets: opsets)
        }
        do {
            return try kernel(ctx)
        } catch let e as RunCancelled {
            throw e
        } catch let e as NodeFailure {
            throw e
        } catch {
            throw NodeFailure(node: node, message: "\(error)")
        }
    }

    private func runSubgraph(_ g: Graph, args: [Value], parent: Scope, opsets: [String: Int]) throws -> [Value] {
        let scope = Scope(parent: parent)
        for (k, v) in g.initializers { scope.values[k] = .tensor(v) }
        for (i, inp) in g.inputs.enumerated() where i < args.count {
            scope.values[inp.name] = args[i]
        }
        try execute(graph: g, scope: scope, opsets: opsets, keep: Set(g.outputs.map(\.name)), observer: nil)
        return try g.outputs.map { o in
            guard let v = scope.lookup(o.name) else { throw GraphError("subgraph output '\(o.name)' was not computed") }
            return v
        }
    }

    private func runFunction(_ fn: Function, node: Node, inputs: [Value?], scope: Scope, opsets: [String: Int]) throws -> [Value] {
        let inner = Scope(parent: nil)
        var absent = Set<String>()
        for (i, name) in fn.inputs.enumerated() {
            if i < inputs.count, let v = inputs[i] { inner.values[name] = v } else { absent.insert(name) }
        }
        // Attribute values: the caller's, else the function's defaults.
        var attrs: [String: AttributeValue] = [:]
        for a in fn.attributeDefaults { attrs[a.name] = a.value }
        for a in node.attributes { attrs[a.name] = a.value }
        // Omitted optional inputs read as "" (absent); attribute references are filled in,
        // also inside subgraphs of the body.
        func substitute(_ n: Node) -> Node {
            var n = n
            n.inputs = n.inputs.map { absent.contains($0) ? "" : $0 }
            n.attributes = n.attributes.compactMap { a in
                switch a.value {
                case .reference(let ref):
                    guard let v = attrs[ref] else { return nil }
                    return Attribute(name: a.name, value: v)
                case .graph(var g):
                    g.nodes = g.nodes.map(substitute)
                    return Attribute(name: a.name, value: .graph(g))
                case .graphs(let gs):
                    return Attribute(name: a.name, value: .graphs(gs.map { g in var g = g; g.nodes = g.nodes.map(substitute); return g }))
                default:
                    return a
                }
            }
            return n
        }
        let nodes = fn.nodes.map(substitute)
        var fnOpsets = opsets
        for (k, v) in fn.opsetImports { fnOpsets[k] = v }
        let body = Graph(name: fn.name, nodes: nodes, inputs: fn.inputs.map { ValueInfo(name: $0) },
                         outputs: fn.outputs.map { ValueInfo(name: $0) })
        try execute(graph: body, scope: inner, opsets: fnOpsets, keep: Set(fn.outputs), observer: nil)
        return fn.outputs.map { inner.lookup($0) ?? .optional(nil) }
    }
}

/// A kernel failure, naming the node it happened in.
public struct NodeFailure: Error, CustomStringConvertible {
    public let node: Node
    public let message: String
    public var description: String { "node '\(node.displayName)' (\(node.opType)): \(message)" }
}

extension Node {
    /// The ONNX node name, or the op type when the node has none.
    public var displayName: String { name.isEmpty ? (outputs.first.map { "\(opType)->\($0)" } ?? opType) : name }
}
