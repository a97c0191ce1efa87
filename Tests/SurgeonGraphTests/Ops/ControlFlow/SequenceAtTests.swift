import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceAtTests {
    let seq = Value.sequence([Tensor(scalar: Float(1)), Tensor(scalar: Float(2)), Tensor(scalar: Float(3))])

    @Test func negativePositionCountsFromBack() throws {
        let out = try cfRun([Node(opType: "SequenceAt", inputs: ["s", "p"], outputs: ["y"])],
                            inputs: [("s", seq), ("p", .tensor(Tensor(scalar: Int64(-1))))], outputs: ["y"])
        #expect(try out[0].asTensor().scalars(of: Float.self) == [3])
    }

    @Test func outOfRangeIsAnError() throws {
        #expect(throws: (any Error).self) {
            try cfRun([Node(opType: "SequenceAt", inputs: ["s", "p"], outputs: ["y"])],
                      inputs: [("s", seq), ("p", .tensor(Tensor(scalar: Int64(3))))], outputs: ["y"])
        }
    }
}
