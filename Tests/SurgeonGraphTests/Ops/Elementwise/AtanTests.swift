import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AtanTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Atan", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.1071487665176392, -0.46364760398864746, 0.0, 0.244978666305542, 0.9827937483787537])))
    }
}
