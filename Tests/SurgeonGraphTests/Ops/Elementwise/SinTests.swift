import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SinTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Sin", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.9092974066734314, -0.4794255495071411, 0.0, 0.24740396440029144, 0.9974949955940247])))
    }
}
