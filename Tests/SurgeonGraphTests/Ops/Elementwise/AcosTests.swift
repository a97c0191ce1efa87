import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AcosTests {
    @Test func float32Values() throws {
        let x = try f32([3], [-0.8999999761581421, 0.0, 0.5])
        let y = try runNode("Acos", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [2.690565824508667, 1.5707963705062866, 1.0471975803375244])))
    }
}
