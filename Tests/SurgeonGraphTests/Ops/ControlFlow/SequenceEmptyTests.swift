import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceEmptyTests {
    @Test func isEmpty() throws {
        let out = try cfRun([Node(opType: "SequenceEmpty", inputs: [], outputs: ["s"]),
                             Node(opType: "SequenceLength", inputs: ["s"], outputs: ["n"])], outputs: ["s", "n"])
        #expect(out[0].sequenceValue?.count == 0)
        #expect(try out[1].asTensor().scalars(of: Int64.self) == [0])
    }
}
