import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceEraseTests {
    let seq = Value.sequence([Tensor(scalar: Float(1)), Tensor(scalar: Float(2)), Tensor(scalar: Float(3))])

    @Test func erasesLastByDefaultOrAtPosition() throws {
        let out = try cfRun([
            Node(opType: "SequenceErase", inputs: ["s"], outputs: ["a"]),
            Node(opType: "SequenceErase", inputs: ["s", "p"], outputs: ["b"]),
        ], inputs: [("s", seq), ("p", .tensor(Tensor(scalar: Int64(0))))], outputs: ["a", "b"])
        #expect(try out[0].asSequence().map { try $0.scalars(of: Float.self)[0] } == [1, 2])
        #expect(try out[1].asSequence().map { try $0.scalars(of: Float.self)[0] } == [2, 3])
    }

    @Test func emptySequenceIsAnError() throws {
        #expect(throws: (any Error).self) {
            try cfRun([Node(opType: "SequenceErase", inputs: ["s"], outputs: ["a"])], inputs: [("s", .sequence([]))], outputs: ["a"])
        }
    }
}
