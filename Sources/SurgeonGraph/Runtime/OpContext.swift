import SurgeonTensor

/// What a kernel sees: its node, its input values, the opset in force, and a way to run
/// subgraphs (If, Loop, Scan).
public struct OpContext {
    /// The node, held by reference: a plan makes one box per step, so creating a context for
    /// each run of a node copies no strings or arrays.
    let nodeBox: NodeBox
    public var node: Node { nodeBox.node }
    /// One entry per node input; nil where the input was omitted ("").
    public let inputs: [Value?]
    /// The opset version of the node's domain.
    public let opset: Int
    let subgraphRunner: (Graph, [Value]) throws -> [Value]
    /// The plan's per-value epilogues of this step, which the kernel may apply to its float32
    /// result tile by tile (setting `applied`); nil in unfused runs. See TileEpilogue.swift.
    var tileEpilogue: TileEpilogueOffer?
    /// A kept chain's per-value epilogues (the intermediates are stored), for kernels that
    /// know the offer; nil otherwise. See `KeptTileOffer`.
    var keptTile: KeptTileOffer?

    public init(node: Node, inputs: [Value?], opset: Int, subgraphRunner: @escaping (Graph, [Value]) throws -> [Value]) {
        self.init(nodeBox: NodeBox(node), inputs: inputs, opset: opset, subgraphRunner: subgraphRunner)
    }

    init(nodeBox: NodeBox, inputs: [Value?], opset: Int, subgraphRunner: @escaping (Graph, [Value]) throws -> [Value]) {
        self.nodeBox = nodeBox
        self.inputs = inputs
        self.opset = opset
        self.subgraphRunner = subgraphRunner
    }

    public var inputCount: Int { inputs.count }

    /// Runs a subgraph attribute with `inputs` bound to its formal inputs; it sees every value
    /// of the enclosing scopes.
    public func runSubgraph(_ graph: Graph, inputs: [Value]) throws -> [Value] {
        try subgraphRunner(graph, inputs)
    }

    // MARK: inputs

    /// Required input `i` as a tensor.
    public func tensor(_ i: Int) throws -> Tensor {
        guard i < inputs.count, let v = inputs[i] else {
            throw GraphError("\(node.opType) needs input \(i + 1), which is missing")
        }
        return try v.asTensor()
    }

    /// Optional input `i` (nil when absent or omitted).
    public func optionalTensor(_ i: Int) throws -> Tensor? {
        guard i < inputs.count, let v = inputs[i] else { return nil }
        if case .optional(.none) = v { return nil }
        return try v.asTensor()
    }

    /// Input `i` as any value (tensor, sequence, optional); nil when omitted.
    public func value(_ i: Int) -> Value? {
        guard i < inputs.count else { return nil }
        return inputs[i]
    }

    // MARK: attributes

    public func has(_ name: String) -> Bool { node.attribute(name) != nil }

    public func int(_ name: String, _ defaultValue: Int) throws -> Int {
        try intIfPresent(name) ?? defaultValue
    }

    public func intIfPresent(_ name: String) throws -> Int? {
        switch node.attribute(name) {
        case nil: return nil
        case .int(let v)?: return v
        case .float(let f)?: return Int(exactly: f.rounded()) ?? 0
        default: throw attributeError(name, "an int")
        }
    }

    public func float(_ name: String, _ defaultValue: Float) throws -> Float {
        switch node.attribute(name) {
        case nil: return defaultValue
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw attributeError(name, "a float")
        }
    }

    public func string(_ name: String, _ defaultValue: String) throws -> String {
        switch node.attribute(name) {
        case nil: return defaultValue
        case .string(let v)?: return v
        default: throw attributeError(name, "a string")
        }
    }

    public func ints(_ name: String) throws -> [Int]? {
        switch node.attribute(name) {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw attributeError(name, "a list of ints")
        }
    }

    public func floats(_ name: String) throws -> [Float]? {
        switch node.attribute(name) {
        case nil: return nil
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        default: throw attributeError(name, "a list of floats")
        }
    }

    public func strings(_ name: String) throws -> [String]? {
        switch node.attribute(name) {
        case nil: return nil
        case .strings(let v)?: return v
        case .string(let v)?: return [v]
        default: throw attributeError(name, "a list of strings")
        }
    }

    public func tensorAttribute(_ name: String) throws -> Tensor? {
        switch node.attribute(name) {
        case nil: return nil
        case .tensor(let t)?, .sparseTensor(let t)?: return t
        default: throw attributeError(name, "a tensor")
        }
    }

    public func graph(_ name: String) throws -> Graph {
        switch node.attribute(name) {
        case .graph(let g)?: return g
        case nil: throw GraphError("\(node.opType) needs the subgraph attribute '\(name)'")
        default: throw attributeError(name, "a graph")
        }
    }

    /// The attribute `dtype`-style value as a DType.
    public func dtype(_ name: String, _ defaultValue: DType) throws -> DType {
        guard let code = try intIfPresent(name) else { return defaultValue }
        guard let d = DType(rawValue: code) else {
            throw GraphError("\(node.opType): element type \(DType.onnxName(code: code)) is not supported")
        }
        return d
    }

    func attributeError(_ name: String, _ what: String) -> GraphError {
        GraphError("\(node.opType): attribute '\(name)' should be \(what)")
    }

    /// An error naming this node's op, for kernels.
    public func error(_ message: String) -> GraphError {
        GraphError("\(node.opType): \(message)")
    }
}

/// A node shared by reference (see `OpContext.nodeBox`).
final class NodeBox: @unchecked Sendable {
    let node: Node
    init(_ node: Node) { self.node = node }
}
