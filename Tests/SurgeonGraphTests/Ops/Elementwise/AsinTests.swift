import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AsinTests {
    @Test func float32Values() throws {
        let x = try f32([3], [-0.8999999761581421, 0.0, 0.5])
        let y = try runNode("Asin", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [-1.11976957321167, 0.0, 0.5235987901687622])))
    }
}
