import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TopKTests {
    @Test func largestWithTiesSmallerIndexFirst() throws {
        let x = try f32([5], [3, 1, 3, 2, 5])
        let outs = try runNode("TopK", [x, Tensor(ints: [3])], outputs: 2)
        #expect(try outs[0].scalars(of: Float.self) == [5, 3, 3])
        #expect(outs[1].intArray() == [4, 0, 2])
    }

    @Test func smallestOnAxis0() throws {
        let x = try f32([3, 2], [3, 1, 1, 2, 2, 0])
        let outs = try runNode("TopK", [x, Tensor(ints: [2])], attributes: [Attribute(name: "axis", value: .int(0)), Attribute(name: "largest", value: .int(0))], outputs: 2)
        #expect(try outs[0].scalars(of: Float.self) == [1, 0, 2, 1])
        #expect(outs[1].intArray() == [1, 2, 2, 0])
        #expect(throws: (any Error).self) { try runNode("TopK", [x, Tensor(ints: [4])], outputs: 2) }
    }
}
