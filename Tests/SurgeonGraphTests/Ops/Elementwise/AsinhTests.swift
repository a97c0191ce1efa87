import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AsinhTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Asinh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.4436354637145996, -0.4812118113040924, 0.0, 0.24746645987033844, 1.19476318359375])))
    }
}
