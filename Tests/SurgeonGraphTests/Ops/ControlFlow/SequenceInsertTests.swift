import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceInsertTests {
    @Test func insertsAtPositionAndBack() throws {
        let seq = Value.sequence([Tensor(scalar: Float(1)), Tensor(scalar: Float(2))])
        let out = try cfRun([
            Node(opType: "SequenceInsert", inputs: ["s", "t", "p"], outputs: ["a"]),
            Node(opType: "SequenceInsert", inputs: ["a", "t"], outputs: ["b"]),
        ], inputs: [("s", seq), ("t", .tensor(Tensor(scalar: Float(9)))), ("p", .tensor(Tensor(scalar: Int64(0))))], outputs: ["b"])
        #expect(try out[0].asSequence().map { try $0.scalars(of: Float.self)[0] } == [9, 1, 2, 9])
    }
}
