import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TanhTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Tanh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.9640275835990906, -0.46211716532707214, 0.0, 0.24491865932941437, 0.9051482677459717])))
    }
}
