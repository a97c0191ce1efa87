import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GatherTests {
    @Test func axis1WithNegativeIndices() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let out = try runNode("Gather", [x, Tensor(ints: [-1, 0])], attributes: [Attribute(name: "axis", value: .int(1))])[0]
        #expect(out.shape == [2, 2])
        #expect(try out.scalars(of: Float.self) == [3, 1, 6, 4])
    }

    @Test func stringsAndScalarIndex() throws {
        let x = Tensor(shape: [3], strings: ["a", "b", "c"])
        let out = try runNode("Gather", [x, Tensor(scalar: Int64(1))])[0]
        #expect(out.shape == [] && out.strings == ["b"])
    }

    @Test func outOfRangeThrows() throws {
        let x = try f32([3], [1, 2, 3])
        #expect(throws: (any Error).self) { try runNode("Gather", [x, Tensor(ints: [3])]) }
        #expect(throws: (any Error).self) { try runNode("Gather", [x, Tensor(ints: [-4])]) }
    }
}
