import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct FloorTests {
    @Test func float32Values() throws {
        let x = try f32([4], [-1.5, -0.20000000298023224, 0.20000000298023224, 2.0])
        let y = try runNode("Floor", [x], opset: 18)[0]
        #expect(isClose(y, try f32([4], [-2.0, -1.0, 0.0, 2.0])))
    }
}
