extension Graph {
    /// Checks what a run would otherwise trip over at some random later point: output names
    /// listed twice, values produced by two nodes, values nobody produces, cycles, outputs
    /// nobody computes, and the same in every subgraph. Throws naming the first problem.
    /// - Parameter outer: names visible from enclosing graphs.
    public func validate(outer: Set<String> = []) throws {
        let label = name.isEmpty ? "the graph" : "graph '\(name)'"
        var listed = Set<String>()
        for o in outputs where !listed.insert(o.name).inserted {
            throw GraphError("output '\(o.name)' is listed twice in \(label)")
        }
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                if let p = producer[o] {
                    throw GraphError("value '\(o)' is produced by more than one node ('\(nodes[p].displayName)' and '\(n.displayName)')")
                }
                producer[o] = i
            }
        }
        _ = try executionOrder(isOuter: { outer.contains($0) })
        var visible = outer
        visible.formUnion(inputs.map(\.name))
        visible.formUnion(initializers.keys)
        visible.formUnion(producer.keys)
        for o in outputs where !visible.contains(o.name) {
            throw GraphError("output '\(o.name)' of \(label) is not computed by any node, input or initializer")
        }
        for n in nodes {
            for a in n.attributes {
                switch a.value {
                case .graph(let g): try g.validate(outer: visible)
                case .graphs(let gs): for g in gs { try g.validate(outer: visible) }
                default: break
                }
            }
        }
    }
}
