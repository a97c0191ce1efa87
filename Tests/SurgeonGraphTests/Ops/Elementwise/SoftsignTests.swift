import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SoftsignTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Softsign", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.6666666865348816, -0.3333333432674408, 0.0, 0.20000000298023224, 0.6000000238418579])))
    }
}
