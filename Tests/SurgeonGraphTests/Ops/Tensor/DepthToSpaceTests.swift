import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct DepthToSpaceTests {
    @Test func dcrAndCrd() throws {
        let x = try f32([1, 4, 1, 1], [1, 2, 3, 4])
        let b = Attribute(name: "blocksize", value: .int(2))
        let dcr = try runNode("DepthToSpace", [x], attributes: [b])[0]
        #expect(try dcr.shape == [1, 1, 2, 2] && (dcr.scalars(of: Float.self)) == [1, 2, 3, 4])
        let y = try f32([1, 8, 1, 1], (0..<8).map(Float.init))
        let crd = try runNode("DepthToSpace", [y], attributes: [b, Attribute(name: "mode", value: .string("CRD"))])[0]
        let dcr2 = try runNode("DepthToSpace", [y], attributes: [b])[0]
        #expect(try crd.scalars(of: Float.self) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(try dcr2.scalars(of: Float.self) == [0, 2, 4, 6, 1, 3, 5, 7])
    }
}
