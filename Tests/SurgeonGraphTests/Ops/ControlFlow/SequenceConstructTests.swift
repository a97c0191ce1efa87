import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SequenceConstructTests {
    @Test func buildsSequence() throws {
        let out = try cfRun([Node(opType: "SequenceConstruct", inputs: ["a", "b"], outputs: ["s"])],
                            inputs: [("a", .tensor(try f32([1], [1]))), ("b", .tensor(try f32([2], [2, 3])))], outputs: ["s"])
        let s = try out[0].asSequence()
        #expect(s.count == 2)
        #expect(try s[1].scalars(of: Float.self) == [2, 3])
    }

    @Test func mixedTypesAreAnError() throws {
        #expect(throws: (any Error).self) {
            try cfRun([Node(opType: "SequenceConstruct", inputs: ["a", "b"], outputs: ["s"])],
                      inputs: [("a", .tensor(try f32([1], [1]))), ("b", .tensor(try i64([1], [2])))], outputs: ["s"])
        }
    }
}
