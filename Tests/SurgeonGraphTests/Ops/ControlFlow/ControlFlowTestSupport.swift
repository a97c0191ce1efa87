import SurgeonGraph
import SurgeonTensor
import TestSupport

/// Runs hand-built nodes as a model with any kind of input values (tensors, sequences,
/// optionals) and returns the named outputs.
func cfRun(
    _ nodes: [Node], inputs: [(String, Value)] = [], outputs: [String], opset: Int = 18,
    functions: [Function] = [], opsets extra: [String: Int] = [:]
) throws -> [Value] {
    let graph = Graph(
        name: "cf", nodes: nodes, inputs: inputs.map { ValueInfo(name: $0.0) },
        outputs: outputs.map { ValueInfo(name: $0) })
    var opsets = extra
    opsets[""] = opset
    let model = Model(graph: graph, opsetImports: opsets, functions: functions)
    var feeds: [String: Value] = [:]
    for (k, v) in inputs { feeds[k] = v }
    let result = try Interpreter(model: model).run(feeds: feeds)
    return try outputs.map { name in
        guard let v = result[name] else { throw GraphError("no output \(name)") }
        return v
    }
}

/// A subgraph from nodes and input/output names.
func cfGraph(_ nodes: [Node], inputs: [String] = [], outputs: [String]) -> Graph {
    Graph(name: "body", nodes: nodes, inputs: inputs.map { ValueInfo(name: $0) }, outputs: outputs.map { ValueInfo(name: $0) })
}

func i64(_ shape: [Int], _ values: [Int64]) throws -> Tensor { try Tensor(shape: shape, scalars: values) }

func strs(_ shape: [Int], _ values: [String]) -> Tensor { Tensor(shape: shape, strings: values) }

extension Value {
    var tensorValue: Tensor? { try? asTensor() }
    var sequenceValue: [Tensor]? { try? asSequence() }
}
