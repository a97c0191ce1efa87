import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SwiGLUTests {
    @Test func gatesBWithSwishOfA() throws {
        let y = try runNode("SwiGLU", [try f32([3], [0, 1, -2]), try f32([3], [2, 3, 1])],
                            attributes: [Attribute(name: "alpha", value: .float(2))], opset: 28)[0]
        let s = { (x: Float) in x / (1 + exp(-2 * x)) }
        #expect(isClose(y, try f32([3], [0, s(1) * 3, s(-2)])))
    }

    @Test func shapeMismatchIsAnError() throws {
        #expect(throws: (any Error).self) { try runNode("SwiGLU", [try f32([2], [1, 2]), try f32([1], [1])], opset: 28) }
    }
}
