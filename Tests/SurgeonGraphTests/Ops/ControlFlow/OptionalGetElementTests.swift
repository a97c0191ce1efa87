import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct OptionalGetElementTests {
    func get(_ v: Value) throws -> Value {
        try cfRun([Node(opType: "OptionalGetElement", inputs: ["x"], outputs: ["y"])], inputs: [("x", v)], outputs: ["y"])[0]
    }

    @Test func unwrapsAndPassesThrough() throws {
        #expect(try get(.optional(.tensor(try f32([1], [5])))).asTensor().scalars(of: Float.self) == [5])
        #expect(try get(.sequence([try f32([1], [5])])).asSequence().count == 1)
        #expect(throws: (any Error).self) { try get(.optional(nil)) }
    }
}
