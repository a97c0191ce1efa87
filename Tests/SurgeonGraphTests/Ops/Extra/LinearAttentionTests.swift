import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LinearAttentionTests {
    let q = try! f32([1, 2, 1], [1, 1]), k = try! f32([1, 2, 1], [1, 2]), v = try! f32([1, 2, 1], [3, 4])
    func attrs(_ rule: String) -> [Attribute] {
        [Attribute(name: "q_num_heads", value: .int(1)), Attribute(name: "kv_num_heads", value: .int(1)),
         Attribute(name: "scale", value: .float(1)), Attribute(name: "update_rule", value: .string(rule))]
    }

    @Test func linearAccumulatesOuterProducts() throws {
        let out = try runNode("LinearAttention", [q, k, v], attributes: attrs("linear"), outputs: 2, opset: 27)
        #expect(isClose(out[0], try f32([1, 2, 1], [3, 11])))
        #expect(isClose(out[1], try f32([1, 1, 1, 1], [11])))
    }

    @Test func gatedDecaysTheState() throws {
        let decay = try f32([1, 2, 1], [0, log(0.5)])
        let out = try runNode("LinearAttention", [q, k, v, nil, decay], attributes: attrs("gated"), outputs: 2, opset: 27)
        #expect(isClose(out[0], try f32([1, 2, 1], [3, 9.5])))
    }

    @Test func deltaCorrectsTheValue() throws {
        let beta = try f32([1, 2, 1], [1, 1])
        let out = try runNode("LinearAttention", [q, k, v, nil, nil, beta], attributes: attrs("delta"), outputs: 2, opset: 27)
        #expect(isClose(out[0], try f32([1, 2, 1], [3, -1])))
        #expect(throws: (any Error).self) { try runNode("LinearAttention", [q, k, v], attributes: attrs("delta"), outputs: 2, opset: 27) }
    }
}
