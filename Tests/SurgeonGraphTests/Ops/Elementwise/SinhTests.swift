import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SinhTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Sinh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-3.6268603801727295, -0.5210952758789062, 0.0, 0.25261232256889343, 2.129279375076294])))
    }
}
