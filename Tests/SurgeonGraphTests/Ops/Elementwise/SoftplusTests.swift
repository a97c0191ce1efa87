import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SoftplusTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-30.0, -2.0, 0.0, 3.0, 100.0])
        let y = try runNode("Softplus", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [9.357622912219837e-14, 0.12692801654338837, 0.6931471824645996, 3.0485873222351074, 100.0])))
    }
}
