import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CausalConvWithStateTests {
    @Test func convolvesCausallyAndKeepsTheTail() throws {
        let out = try runNode("CausalConvWithState", [try f32([1, 1, 3], [1, 2, 3]), try f32([1, 1, 2], [1, 10])], outputs: 2, opset: 27)
        #expect(isClose(out[0], try f32([1, 1, 3], [10, 21, 32])))
        #expect(isClose(out[1], try f32([1, 1, 1], [3])))
    }

    @Test func usesPastStateAndSilu() throws {
        let out = try runNode("CausalConvWithState", [try f32([1, 1, 1], [1]), try f32([1, 1, 2], [1, 1]), nil, try f32([1, 1, 1], [-1])],
                              attributes: [Attribute(name: "activation", value: .string("silu"))], outputs: 2, opset: 27)
        #expect(isClose(out[0], try f32([1, 1, 1], [0])))
        #expect(isClose(out[1], try f32([1, 1, 1], [1])))
    }
}
