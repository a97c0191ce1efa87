import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceLengthTests {
    @Test func counts() throws {
        let out = try cfRun([Node(opType: "SequenceLength", inputs: ["s"], outputs: ["n"])],
                            inputs: [("s", .sequence([Tensor(scalar: Float(1)), Tensor(scalar: Float(2))]))], outputs: ["n"])
        let n = try out[0].asTensor()
        #expect(n.shape == [] && n.dtype == .int64)
        #expect(try n.scalars(of: Int64.self) == [2])
    }
}
