import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LeakyReluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("LeakyRelu", [x], attributes: [Attribute(name: "alpha", value: .float(0.1))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.20000000298023224, -0.05000000074505806, 0.0, 0.25, 1.5])))
    }
}
