import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConcatTests {
    @Test func negativeAxis() throws {
        let a = try f32([2, 1], [1, 2]), b = try f32([2, 2], [3, 4, 5, 6])
        let out = try runNode("Concat", [a, b], attributes: [Attribute(name: "axis", value: .int(-1))])[0]
        #expect(out.shape == [2, 3])
        #expect(try out.scalars(of: Float.self) == [1, 3, 4, 2, 5, 6])
    }

    @Test func mismatchThrows() throws {
        let a = try f32([2, 1], [1, 2]), b = try f32([3, 1], [3, 4, 5])
        #expect(throws: (any Error).self) { try runNode("Concat", [a, b], attributes: [Attribute(name: "axis", value: .int(1))]) }
    }
}
