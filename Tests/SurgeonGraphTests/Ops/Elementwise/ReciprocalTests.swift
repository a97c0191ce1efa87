import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReciprocalTests {
    @Test func float32Values() throws {
        let x = try f32([3], [-2.0, 0.5, 4.0])
        let y = try runNode("Reciprocal", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [-0.5, 2.0, 0.25])))
    }
}
