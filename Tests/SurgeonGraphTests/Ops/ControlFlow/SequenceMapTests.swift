import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceMapTests {
    @Test func mapsWithBroadcastTensorInput() throws {
        let body = cfGraph([Node(opType: "Add", inputs: ["e", "k"], outputs: ["o"])], inputs: ["e", "k"], outputs: ["o"])
        let node = Node(opType: "SequenceMap", inputs: ["s", "t"], outputs: ["y"], attributes: [Attribute(name: "body", value: .graph(body))])
        let out = try cfRun([node], inputs: [
            ("s", .sequence([try f32([1], [1]), try f32([2], [2, 3])])), ("t", .tensor(try f32([1], [10]))),
        ], outputs: ["y"])
        let s = try out[0].asSequence()
        #expect(try s.map { try $0.scalars(of: Float.self) } == [[11], [12, 13]])
    }

    @Test func sequenceLengthsMustMatch() throws {
        let body = cfGraph([Node(opType: "Add", inputs: ["e", "k"], outputs: ["o"])], inputs: ["e", "k"], outputs: ["o"])
        let node = Node(opType: "SequenceMap", inputs: ["s", "t"], outputs: ["y"], attributes: [Attribute(name: "body", value: .graph(body))])
        #expect(throws: (any Error).self) {
            try cfRun([node], inputs: [("s", .sequence([try f32([1], [1])])), ("t", .sequence([]))], outputs: ["y"])
        }
    }
}
