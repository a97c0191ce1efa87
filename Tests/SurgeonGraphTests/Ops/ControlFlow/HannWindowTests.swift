import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HannWindowTests {
    @Test func periodicAndSymmetric() throws {
        let p = try runNode("HannWindow", [Tensor(scalar: Int64(4))], opset: 17)[0]
        #expect(isClose(p, try f32([4], [0, 0.5, 1, 0.5])))
        let s = try runNode("HannWindow", [Tensor(scalar: Int64(3))], attributes: [Attribute(name: "periodic", value: .int(0))], opset: 17)[0]
        #expect(isClose(s, try f32([3], [0, 1, 0])))
    }
}
