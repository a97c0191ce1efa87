import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReverseSequenceTests {
    @Test func batchAxis0() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let out = try runNode("ReverseSequence", [x, Tensor(ints: [2, 3])],
                              attributes: [Attribute(name: "batch_axis", value: .int(0)), Attribute(name: "time_axis", value: .int(1))])[0]
        #expect(try out.scalars(of: Float.self) == [2, 1, 3, 6, 5, 4])
        #expect(throws: (any Error).self) {
            try runNode("ReverseSequence", [x, Tensor(ints: [4, 1])], attributes: [Attribute(name: "batch_axis", value: .int(0)), Attribute(name: "time_axis", value: .int(1))])
        }
    }
}
