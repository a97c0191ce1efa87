import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct OptionalTests {
    @Test func wrapsOrMakesEmpty() throws {
        let out = try cfRun([
            Node(opType: "Optional", inputs: ["x"], outputs: ["a"]),
            Node(opType: "Optional", inputs: [], outputs: ["b"], attributes: [Attribute(name: "type", value: .type(.tensor(.float32, nil)))]),
        ], inputs: [("x", .tensor(try f32([1], [4])))], outputs: ["a", "b"])
        guard case .optional(let a?) = out[0], case .optional(nil) = out[1] else {
            Issue.record("unexpected \(out[0].kindDescription), \(out[1].kindDescription)")
            return
        }
        #expect(try a.asTensor().scalars(of: Float.self) == [4])
    }
}
