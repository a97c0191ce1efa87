import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct FlexAttentionTests {
    let q = try! f32([1, 1, 1, 2], [1, 0])
    let k = try! f32([1, 1, 2, 2], [1, 0, 0, 1])
    let v = try! f32([1, 1, 2, 2], [1, 2, 3, 4])

    @Test func softmaxWeightsValues() throws {
        let y = try runNode("FlexAttention", [q, k, v], opset: 1, domain: "ai.onnx.preview")[0]
        let p0 = Float(exp(1 / 2.0.squareRoot()) / (exp(1 / 2.0.squareRoot()) + 1))
        #expect(isClose(y, try f32([1, 1, 1, 2], [p0 * 1 + (1 - p0) * 3, p0 * 2 + (1 - p0) * 4])))
    }

    @Test func scoreModSubgraphMasksAKey() throws {
        // score_mod(scores) = scores + [0, -inf]: only the first key remains.
        let bias = Node(name: "c", opType: "Constant", inputs: [], outputs: ["bias"],
                        attributes: [Attribute(name: "value", value: .tensor(try f32([2], [0, -.infinity])))])
        let add = Node(name: "a", opType: "Add", inputs: ["scores", "bias"], outputs: ["out"])
        let g = Graph(name: "mod", nodes: [bias, add], inputs: [ValueInfo(name: "scores")], outputs: [ValueInfo(name: "out")])
        let y = try runNode("FlexAttention", [q, k, v], attributes: [Attribute(name: "score_mod", value: .graph(g))],
                            opset: 1, domain: "ai.onnx.preview")[0]
        #expect(isClose(y, try f32([1, 1, 1, 2], [1, 2])))
    }

    @Test func headMismatchIsAnError() throws {
        let q3 = try f32([1, 3, 1, 2], [1, 0, 1, 0, 1, 0])
        let k2 = try f32([1, 2, 2, 2], Array(repeating: 1, count: 8))
        #expect(throws: (any Error).self) { try runNode("FlexAttention", [q3, k2, k2], opset: 1, domain: "ai.onnx.preview") }
    }
}
