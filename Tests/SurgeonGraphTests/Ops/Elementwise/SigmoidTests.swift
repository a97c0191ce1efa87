import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SigmoidTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-30.0, -2.0, 0.0, 3.0, 100.0])
        let y = try runNode("Sigmoid", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [9.357622912219837e-14, 0.11920291930437088, 0.5, 0.9525741338729858, 1.0])))
    }
}
