import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SpaceToDepthTests {
    @Test func invertsDepthToSpace() throws {
        let x = try f32([1, 2, 2, 2], (0..<8).map(Float.init))
        let b = Attribute(name: "blocksize", value: .int(2))
        let s = try runNode("SpaceToDepth", [x], attributes: [b])[0]
        #expect(s.shape == [1, 8, 1, 1])
        #expect(try s.scalars(of: Float.self) == [0, 4, 1, 5, 2, 6, 3, 7])
        let back = try runNode("DepthToSpace", [s], attributes: [b])[0]
        #expect(try back.scalars(of: Float.self) == (0..<8).map(Float.init))
    }
}
