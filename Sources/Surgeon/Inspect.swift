import SurgeonGraph

/// What to record for `inspect a b:alias`: per typed name, a label and the ONNX values to ask
/// the interpreter for. A layer that runs several times yields one entry per call, labelled
/// `name`, `name_1`, ... (or `alias`, `alias_1`, ...).
public func inspectTargets(
    model: Model, names: ModelNames, specs: [(name: String, alias: String?)]
) throws -> [(label: String, values: [String])] {
    guard names.nodeNames.count == model.graph.nodes.count else {
        throw GraphError("the names were computed for another model; rebuild them with ModelNames(model:)")
    }
    var out: [(label: String, values: [String])] = []
    var labels = Set<String>()
    func add(_ label: String, _ values: [String]) throws {
        guard !labels.contains(label) else {
            throw GraphError("'\(label)' is recorded twice; give one of them another name with name:alias")
        }
        labels.insert(label)
        out.append((label, values))
    }
    for spec in specs {
        let label = spec.alias ?? spec.name
        // A layer path wins over the node of the same name here (a leaf module's output node is
        // named after it) so that every call of a module that runs several times is recorded.
        if let calls = names.occurrences[spec.name], calls.count > 1 {
            for (k, call) in calls.enumerated() {
                try add(k == 0 ? label : "\(label)_\(k)", call.outputs)
            }
            continue
        }
        let r = try names.resolve(spec.name, in: model)
        let values = names.outputValues(of: r, in: model)
        guard !values.isEmpty else {
            throw GraphError("'\(spec.name)' has no output value to record")
        }
        try add(label, values)
    }
    return out
}

/// `inspect all`: every node's outputs, labelled by the node's friendly name, in execution order.
public func inspectAllTargets(model: Model, names: ModelNames) -> [(label: String, values: [String])] {
    names.executionOrder.compactMap { i in
        guard model.graph.nodes.indices.contains(i), names.nodeNames.indices.contains(i) else { return nil }
        let values = model.graph.nodes[i].outputs.filter { !$0.isEmpty }
        return values.isEmpty ? nil : (names.nodeNames[i], values)
    }
}

/// Runs `model` once and records the values of `targets` (from `inspectTargets` or
/// `inspectAllTargets`) next to the graph outputs, like surgeon-pytorch's `Inspect`.
/// - Returns: the graph outputs by name, and the recorded values per label, in target order.
public func runInspect(
    model: Model, targets: [(label: String, values: [String])], feeds: [String: Value],
    registry: OpRegistry = .standard
) throws -> (outputs: [String: Value], recorded: [(label: String, values: [Value])]) {
    let graphOutputs = model.graph.outputs.map(\.name)
    var wanted = graphOutputs
    var seen = Set(wanted)
    for t in targets { for v in t.values where !seen.contains(v) { wanted.append(v); seen.insert(v) } }
    let result = try Interpreter(model: model, registry: registry).run(feeds: feeds, outputs: wanted)
    var outputs: [String: Value] = [:]
    for o in graphOutputs { outputs[o] = result[o] }
    let recorded: [(label: String, values: [Value])] = try targets.map { t in
        (t.label, try t.values.map { v in
            guard let value = result[v] else { throw GraphError("'\(t.label)': value '\(v)' was not computed") }
            return value
        })
    }
    return (outputs, recorded)
}
