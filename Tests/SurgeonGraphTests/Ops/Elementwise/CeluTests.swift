import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CeluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Celu", [x], attributes: [Attribute(name: "alpha", value: .float(2))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.264241099357605, -0.44239842891693115, 0.0, 0.25, 1.5])))
    }
}
