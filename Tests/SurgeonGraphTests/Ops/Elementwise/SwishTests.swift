import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SwishTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Swish", [x], attributes: [Attribute(name: "alpha", value: .float(2))], opset: 24)[0]
        #expect(isClose(y, try f32([5], [-0.03597242012619972, -0.13447071611881256, 0.0, 0.15561483800411224, 1.428861141204834])))
    }
}
