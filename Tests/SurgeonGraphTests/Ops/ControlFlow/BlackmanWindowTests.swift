import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BlackmanWindowTests {
    @Test func periodic() throws {
        let w = try runNode("BlackmanWindow", [Tensor(scalar: Int64(4))], opset: 17)[0]
        #expect(isClose(w, try f32([4], [0, 0.34, 1, 0.34]), atol: 1e-6))
    }
}
