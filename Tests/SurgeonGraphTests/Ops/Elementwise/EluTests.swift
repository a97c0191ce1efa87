import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct EluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Elu", [x], attributes: [Attribute(name: "alpha", value: .float(2))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.7293294668197632, -0.7869386672973633, 0.0, 0.25, 1.5])))
    }
}
