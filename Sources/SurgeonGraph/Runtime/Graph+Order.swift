extension Graph {
    /// The nodes in an order where every value is produced before it is read. Keeps file order
    /// when it is already valid; throws naming a node on a cycle or a value nobody produces.
    /// - Parameter outer: names visible from enclosing graphs.
    public func executionOrder(outer: Set<String> = []) throws -> [Int] {
        try executionOrder(isOuter: { outer.contains($0) })
    }

    /// Same, with enclosing scopes given as a membership test (cheap for nested loops).
    public func executionOrder(isOuter: (String) -> Bool) throws -> [Int] {
        var known = Set<String>()
        known.formUnion(inputs.map(\.name))
        known.formUnion(initializers.keys)
        known.insert("")
        var inOrder = true
        for n in nodes {
            for i in n.inputs + n.implicitInputs where !known.contains(i) && !isOuter(i) { inOrder = false; break }
            if !inOrder { break }
            known.formUnion(n.outputs)
        }
        if inOrder { return Array(nodes.indices) }

        // Kahn's algorithm over producers.
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                if producer[o] != nil { throw GraphError("value '\(o)' is produced by more than one node") }
                producer[o] = i
            }
        }
        var base = Set<String>()
        base.formUnion(inputs.map(\.name))
        base.formUnion(initializers.keys)
        base.insert("")
        var indegree = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            for inp in Set(n.inputs + n.implicitInputs) where !base.contains(inp) && !(producer[inp] == nil && isOuter(inp)) {
                guard let p = producer[inp] else {
                    throw GraphError("node '\(n.name.isEmpty ? n.opType : n.name)' reads '\(inp)', which no node, input or initializer provides")
                }
                indegree[i] += 1
                consumers[p].append(i)
            }
        }
        var ready = (0..<nodes.count).filter { indegree[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        while let i = ready.popLast() {
            order.append(i)
            for c in consumers[i] {
                indegree[c] -= 1
                if indegree[c] == 0 { ready.append(c) }
            }
        }
        if order.count != nodes.count {
            let stuck = (0..<nodes.count).first { indegree[$0] > 0 }.map { nodes[$0].name } ?? "?"
            throw GraphError("the graph has a cycle (through node '\(stuck)')")
        }
        return order
    }
}
