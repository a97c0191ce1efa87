import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TanTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Tan", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [2.185039758682251, -0.5463024973869324, 0.0, 0.25534191727638245, 14.101420402526855])))
    }
}
