import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LogTests {
    @Test func float32Values() throws {
        let x = try f32([3], [0.5, 1.0, 10.0])
        let y = try runNode("Log", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [-0.6931471824645996, 0.0, 2.3025851249694824])))
    }
}
