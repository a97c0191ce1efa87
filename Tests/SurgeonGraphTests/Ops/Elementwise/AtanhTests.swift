import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AtanhTests {
    @Test func float32Values() throws {
        let x = try f32([3], [-0.8999999761581421, 0.0, 0.5])
        let y = try runNode("Atanh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [-1.472219467163086, 0.0, 0.5493061542510986])))
    }
}
