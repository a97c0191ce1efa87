import SurgeonGraph
import SurgeonTensor

/// The built-in demo: surgeon-pytorch's first example, built in code with fixed weights and
/// TorchScript-exporter names, so `surgeon-shell` with no arguments shows something real.
///
///     layer1 = Linear(5, 3); layer2 = Linear(3, 2); layer3 = Linear(2, 1)
///     x1 = relu(layer1(x)); x2 = sigmoid(layer2(x1)); y = layer3(x2).tanh()
public enum DemoModel {
    public static func make() -> Model {
        var rng = SeededRandom(seed: 0)
        func linear(_ name: String, _ inF: Int, _ outF: Int) -> [(String, Tensor)] {
            let bound = 1 / Float(inF).squareRoot()
            let w = (0..<(inF * outF)).map { _ in (rng.uniform() * 2 - 1) * bound }
            let b = (0..<outF).map { _ in (rng.uniform() * 2 - 1) * bound }
            return [("\(name).weight", (try? Tensor(shape: [outF, inF], scalars: w)) ?? Tensor(scalar: Float(0))),
                    ("\(name).bias", (try? Tensor(shape: [outF], scalars: b)) ?? Tensor(scalar: Float(0)))]
        }
        let inits = linear("layer1", 5, 3) + linear("layer2", 3, 2) + linear("layer3", 2, 1)
        func gemm(_ name: String, _ x: String) -> Node {
            Node(name: "/\(name)/Gemm", opType: "Gemm", inputs: [x, "\(name).weight", "\(name).bias"],
                 outputs: ["/\(name)/Gemm_output_0"],
                 attributes: [Attribute(name: "alpha", value: .float(1)), Attribute(name: "beta", value: .float(1)),
                              Attribute(name: "transB", value: .int(1))])
        }
        let nodes = [
            gemm("layer1", "x"),
            Node(name: "/Relu", opType: "Relu", inputs: ["/layer1/Gemm_output_0"], outputs: ["/Relu_output_0"]),
            gemm("layer2", "/Relu_output_0"),
            Node(name: "/Sigmoid", opType: "Sigmoid", inputs: ["/layer2/Gemm_output_0"], outputs: ["/Sigmoid_output_0"]),
            gemm("layer3", "/Sigmoid_output_0"),
            Node(name: "/Tanh", opType: "Tanh", inputs: ["/layer3/Gemm_output_0"], outputs: ["y"]),
        ]
        let graph = Graph(
            name: "main_graph", nodes: nodes,
            inputs: [ValueInfo(name: "x", type: .tensor(.float32, [.symbolic("batch"), .known(5)]))],
            outputs: [ValueInfo(name: "y", type: .tensor(.float32, [.symbolic("batch"), .known(1)]))],
            initializers: inits)
        return Model(graph: graph, opsetImports: ["": 17], irVersion: 8, producerName: "surgeon-shell demo")
    }
}
