import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CoshTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Cosh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [3.762195587158203, 1.1276259422302246, 1.0, 1.0314130783081055, 2.352409601211548])))
    }
}
