import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GatherElementsTests {
    @Test func axis1() throws {
        let x = try f32([2, 2], [1, 2, 3, 4])
        let out = try runNode("GatherElements", [x, Tensor(ints: [0, 0, -1, 0], shape: [2, 2])], attributes: [Attribute(name: "axis", value: .int(1))])[0]
        #expect(try out.scalars(of: Float.self) == [1, 1, 4, 3])
        #expect(throws: (any Error).self) { try runNode("GatherElements", [x, Tensor(ints: [0, 2, 0, 0], shape: [2, 2])]) }
    }
}
