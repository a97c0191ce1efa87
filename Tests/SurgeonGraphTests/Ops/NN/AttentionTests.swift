import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AttentionTests {
    @Test func softmaxWeightsValues() throws {
        let q = try f32([1, 1, 1, 2], [1, 0])
        let k = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let v = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let y = try runNode("Attention", [q, k, v], opset: 23)[0]
        let p0 = Float(exp(1 / 2.0.squareRoot()) / (exp(1 / 2.0.squareRoot()) + 1))
        let want = try f32([1, 1, 1, 2], [p0 * 1 + (1 - p0) * 3, p0 * 2 + (1 - p0) * 4])
        #expect(isClose(y, want))
    }

    @Test func causalFirstRowSeesOnlyFirstKey() throws {
        let q = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let k = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let v = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let y = try runNode("Attention", [q, k, v], attributes: [Attribute(name: "is_causal", value: .int(1))], opset: 23)[0]
        let vals = try y.scalars(of: Float.self)
        #expect(vals[0] == 1 && vals[1] == 2)
        #expect(vals[2] > 2 && vals[2] < 3)
    }

    @Test func badHeadCountIsAnError() throws {
        let q = try f32([1, 2, 5], Array(repeating: 0, count: 10))
        #expect(throws: (any Error).self) {
            try runNode("Attention", [q, q, q], attributes: [Attribute(name: "q_num_heads", value: .int(3)),
                                                             Attribute(name: "kv_num_heads", value: .int(3))], opset: 23)
        }
    }
}
