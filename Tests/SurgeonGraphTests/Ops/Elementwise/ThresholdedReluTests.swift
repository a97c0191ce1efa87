import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ThresholdedReluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-1.0, 0.5, 1.0, 1.5, 3.0])
        let y = try runNode("ThresholdedRelu", [x], attributes: [Attribute(name: "alpha", value: .float(1.2))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [0.0, 0.0, 0.0, 1.5, 3.0])))
    }
}
