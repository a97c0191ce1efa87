import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SplitToSequenceTests {
    var x: Value { get throws { .tensor(try f32([2, 3], [1, 2, 3, 4, 5, 6])) } }

    @Test func scalarSplitLeavesShortLastPiece() throws {
        let node = Node(opType: "SplitToSequence", inputs: ["x", "s"], outputs: ["y"], attributes: [Attribute(name: "axis", value: .int(1))])
        let out = try cfRun([node], inputs: [("x", try x), ("s", .tensor(Tensor(scalar: Int64(2))))], outputs: ["y"])
        let s = try out[0].asSequence()
        #expect(s.map(\.shape) == [[2, 2], [2, 1]])
        #expect(try s[1].scalars(of: Float.self) == [3, 6])
    }

    @Test func noSplitWithoutKeepdims() throws {
        let node = Node(opType: "SplitToSequence", inputs: ["x"], outputs: ["y"], attributes: [Attribute(name: "keepdims", value: .int(0))])
        let s = try cfRun([node], inputs: [("x", try x)], outputs: ["y"])[0].asSequence()
        #expect(s.map(\.shape) == [[3], [3]])
        #expect(try s[1].scalars(of: Float.self) == [4, 5, 6])
    }

    @Test func badSizesAreAnError() throws {
        let node = Node(opType: "SplitToSequence", inputs: ["x", "s"], outputs: ["y"])
        #expect(throws: (any Error).self) {
            try cfRun([node], inputs: [("x", try x), ("s", .tensor(try i64([2], [1, 2])))], outputs: ["y"])
        }
    }
}
