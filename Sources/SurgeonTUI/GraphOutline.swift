import Surgeon
import SurgeonGraph
import SurgeonShell

/// Where the tree pane gets a model's modules from. Today: module scopes read from ONNX node
/// names (`/encoder/layer.0/attention/MatMul`); the Surgeon module's names (with
/// `module(ofNode:)` and the recovered layers) replace it behind this protocol.
public protocol GraphOutlineSource {
    /// Module paths from the outermost to the innermost holding node `i` (empty at the root).
    func moduleChain(ofNode i: Int, in m: LoadedModel) -> [String]
    /// The node's name as shown under its module.
    func nodeLabel(ofNode i: Int, in m: LoadedModel) -> String
}

/// Modules from the exporters' `/scope/scope/Op` node names, joined with dots as PyTorch paths.
public struct ScopeOutlineSource: GraphOutlineSource {
    public init() {}

    static func scopes(_ m: LoadedModel, _ i: Int) -> [Substring] {
        let name = m.model.graph.nodes[i].name
        guard name.hasPrefix("/") else { return [] }
        return Array(name.split(separator: "/").dropLast())
    }

    public func moduleChain(ofNode i: Int, in m: LoadedModel) -> [String] {
        var chain: [String] = [], path = ""
        for s in Self.scopes(m, i) {
            path = path.isEmpty ? String(s) : path + "." + s
            chain.append(path)
        }
        return chain
    }

    public func nodeLabel(ofNode i: Int, in m: LoadedModel) -> String {
        let friendly = m.names.nodeNames[i]
        let onnx = m.model.graph.nodes[i].name
        if friendly == onnx, onnx.hasPrefix("/"), let last = onnx.split(separator: "/").last { return String(last) }
        return friendly
    }
}

/// Modules as the Surgeon module recovers them (dynamo metadata or TorchScript scopes,
/// containers and repeated calls resolved): the same modules `layers` and `tree` show.
public struct SurgeonOutlineSource: GraphOutlineSource {
    public init() {}

    public func moduleChain(ofNode i: Int, in m: LoadedModel) -> [String] {
        m.names.nodeModuleChains.indices.contains(i) ? m.names.nodeModuleChains[i] : []
    }

    public func nodeLabel(ofNode i: Int, in m: LoadedModel) -> String {
        m.names.nodeNames.indices.contains(i) ? m.names.nodeNames[i] : m.model.graph.nodes[i].displayName
    }
}

/// A node leaf of the outline.
public struct OutlineNode: Sendable {
    public var index: Int
    /// The name commands take (friendly node name).
    public var name: String
    public var label: String
    public var op: String
    /// First output's ONNX value name, if any.
    public var output: String?
    public var outputType: String
    public var parameterCount: Int
}

/// A module (folder) of the outline.
public struct OutlineModule: Sendable {
    public var path: String
    public var name: String
    public var children: [OutlineItem]
    public var nodeCount: Int
    public var parameterCount: Int
}

public enum OutlineItem: Sendable {
    case module(OutlineModule)
    case node(OutlineNode)
}

public enum GraphOutline {
    /// The model's modules and nodes in execution (graph) order; a module sits where its first
    /// node runs.
    public static func build(_ m: LoadedModel, source: GraphOutlineSource) -> OutlineModule {
        let g = m.model.graph
        enum Ref { case module(String), node(Int) }
        var children: [String: [Ref]] = [:]
        var seen = Set<String>()
        for i in g.nodes.indices {
            var parent = ""
            for path in source.moduleChain(ofNode: i, in: m) {
                if !seen.contains(path) {
                    seen.insert(path)
                    children[parent, default: []].append(.module(path))
                }
                parent = path
            }
            children[parent, default: []].append(.node(i))
        }
        func make(_ path: String, parent: String) -> OutlineModule {
            var items: [OutlineItem] = []
            var nodes = 0, params = 0
            for c in children[path] ?? [] {
                switch c {
                case .module(let p):
                    let sub = make(p, parent: path)
                    nodes += sub.nodeCount
                    params += sub.parameterCount
                    items.append(.module(sub))
                case .node(let i):
                    let n = g.nodes[i]
                    let p = n.inputs.compactMap { g.initializers[$0]?.count }.reduce(0, +)
                    let out = n.outputs.first { !$0.isEmpty }
                    nodes += 1
                    params += p
                    items.append(.node(OutlineNode(
                        index: i, name: m.names.nodeNames[i], label: source.nodeLabel(ofNode: i, in: m), op: n.opType,
                        output: out, outputType: out.flatMap { g.declaredType(of: $0)?.description } ?? "", parameterCount: p)))
                }
            }
            let name = parent.isEmpty || !path.hasPrefix(parent + ".") ? path : String(path.dropFirst(parent.count + 1))
            return OutlineModule(path: path, name: name, children: items, nodeCount: nodes, parameterCount: params)
        }
        var root = make("", parent: "")
        root.name = m.name
        return root
    }
}
