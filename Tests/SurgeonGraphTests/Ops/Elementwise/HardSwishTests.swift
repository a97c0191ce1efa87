import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HardSwishTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-4.0, -1.0, 0.0, 1.0, 4.0])
        let y = try runNode("HardSwish", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.0, -0.3333333432674408, 0.0, 0.6666666865348816, 4.0])))
    }
}
