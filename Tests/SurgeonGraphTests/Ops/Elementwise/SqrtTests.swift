import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SqrtTests {
    @Test func float32Values() throws {
        let x = try f32([4], [0.0, 0.25, 2.0, 9.0])
        let y = try runNode("Sqrt", [x], opset: 18)[0]
        #expect(isClose(y, try f32([4], [0.0, 0.5, 1.4142135381698608, 3.0])))
    }
}
