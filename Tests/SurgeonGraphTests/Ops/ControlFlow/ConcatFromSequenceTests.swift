import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConcatFromSequenceTests {
    var seq: Value { get throws { .sequence([try f32([2], [1, 2]), try f32([2], [3, 4])]) } }

    @Test func concatenatesOrStacks() throws {
        let cat = Node(opType: "ConcatFromSequence", inputs: ["s"], outputs: ["a"], attributes: [Attribute(name: "axis", value: .int(0))])
        let stack = Node(opType: "ConcatFromSequence", inputs: ["s"], outputs: ["b"],
                         attributes: [Attribute(name: "axis", value: .int(-1)), Attribute(name: "new_axis", value: .int(1))])
        let out = try cfRun([cat, stack], inputs: [("s", try seq)], outputs: ["a", "b"])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [1, 2, 3, 4])
        let b = try out[1].asTensor()
        #expect(b.shape == [2, 2])
        #expect(try b.scalars(of: Float.self) == [1, 3, 2, 4])
    }
}
