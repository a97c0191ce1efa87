import SurgeonGraph
import SurgeonTensor

/// True when every element of `a` is within `atol + rtol * |b|` of `b` (NaN equal to NaN)
/// and shapes and dtypes match.
public func isClose(_ a: Tensor, _ b: Tensor, atol: Double = 1e-5, rtol: Double = 1e-4) -> Bool {
    guard a.shape == b.shape, a.dtype == b.dtype else { return false }
    let x = a.doubleArray(), y = b.doubleArray()
    for i in 0..<x.count {
        if x[i].isNaN && y[i].isNaN { continue }
        if x[i] == y[i] { continue }
        if !(abs(x[i] - y[i]) <= atol + rtol * abs(y[i])) { return false }
    }
    return true
}

/// Runs one node as a whole model (onnxruntime's OpTester in five lines): inputs are named
/// `in0`, `in1`, ..., outputs `out0`, ...
public func runNode(
    _ op: String, _ inputs: [Tensor?], attributes: [Attribute] = [], outputs: Int = 1,
    opset: Int = 18, domain: String = ""
) throws -> [Tensor] {
    let inNames = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
    let outNames = (0..<outputs).map { "out\($0)" }
    let node = Node(name: "n", opType: op, domain: domain, inputs: inNames, outputs: outNames, attributes: attributes)
    let graph = Graph(
        name: "single", nodes: [node],
        inputs: inNames.filter { !$0.isEmpty }.map { ValueInfo(name: $0) },
        outputs: outNames.map { ValueInfo(name: $0) })
    let model = Model(graph: graph, opsetImports: [domain: opset])
    var feeds: [String: Value] = [:]
    for (i, t) in inputs.enumerated() { if let t { feeds["in\(i)"] = .tensor(t) } }
    let result = try Interpreter(model: model).run(feeds: feeds)
    return try outNames.map { try result[$0]?.asTensor() ?? Tensor(zeros: .float32, shape: [0]) }
}

/// A float32 tensor from a shape and values.
public func f32(_ shape: [Int], _ values: [Float]) throws -> Tensor { try Tensor(shape: shape, scalars: values) }
