import SurgeonTensor

/// A computation graph (ONNX GraphProto): nodes in topological order, typed inputs and
/// outputs, and initializers (weights) by name.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var initializers: [String: Tensor]
    /// Initializer names in file order (so a saved model keeps its order).
    public var initializerOrder: [String]
    public var valueInfo: [ValueInfo]
    public var docString: String
    public var metadata: [(String, String)]

    public init(
        name: String = "", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
        initializers: [(String, Tensor)] = [], valueInfo: [ValueInfo] = [], docString: String = "",
        metadata: [(String, String)] = []
    ) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = [:]
        self.initializerOrder = []
        for (k, v) in initializers {
            if self.initializers[k] == nil { initializerOrder.append(k) }
            self.initializers[k] = v
        }
        self.valueInfo = valueInfo
        self.docString = docString
        self.metadata = metadata
    }

    /// Adds or replaces an initializer.
    public mutating func setInitializer(_ name: String, _ t: Tensor) {
        if initializers[name] == nil { initializerOrder.append(name) }
        initializers[name] = t
    }

    /// Removes initializers that no node (or subgraph) reads and no output names.
    public mutating func removeUnusedInitializers() {
        var used = Set(outputs.map(\.name))
        for n in nodes {
            used.formUnion(n.inputs)
            used.formUnion(n.implicitInputs)
        }
        initializerOrder = initializerOrder.filter { used.contains($0) }
        let keep = Set(initializerOrder)
        initializers = initializers.filter { keep.contains($0.key) }
    }

    /// Graph inputs that are not initializers (what a caller must feed).
    public var feedInputs: [ValueInfo] { inputs.filter { initializers[$0.name] == nil } }

    /// Names this graph reads but does not define: values from an enclosing graph.
    public var outerScopeReferences: [String] {
        var defined = Set(inputs.map(\.name))
        defined.formUnion(initializers.keys)
        var refs: [String] = []
        var seen = Set<String>()
        for n in nodes {
            for i in n.inputs + n.implicitInputs where !i.isEmpty && !defined.contains(i) && !seen.contains(i) {
                refs.append(i)
                seen.insert(i)
            }
            defined.formUnion(n.outputs)
        }
        for o in outputs where !defined.contains(o.name) && !seen.contains(o.name) {
            refs.append(o.name)
            seen.insert(o.name)
        }
        return refs
    }

    /// Declared type of a value: input, output or value_info, initializers included.
    public func declaredType(of name: String) -> ValueType? {
        if let t = initializers[name] { return .tensor(t.dtype, t.shape.map { .known($0) }) }
        if let v = inputs.first(where: { $0.name == name }) { return v.type }
        if let v = outputs.first(where: { $0.name == name }) { return v.type }
        if let v = valueInfo.first(where: { $0.name == name }) { return v.type }
        return nil
    }
}
