import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct OptionalHasElementTests {
    func has(_ v: Value?) throws -> Bool {
        let node = Node(opType: "OptionalHasElement", inputs: [v == nil ? "" : "x"], outputs: ["y"])
        let out = try cfRun([node], inputs: v.map { [("x", $0)] } ?? [], outputs: ["y"])
        return try out[0].asTensor().scalars(of: Bool.self)[0]
    }

    @Test func presence() throws {
        #expect(try has(.optional(.tensor(try f32([1], [1])))) == true)
        #expect(try has(.optional(nil)) == false)
        #expect(try has(.tensor(try f32([1], [1]))) == true)  // a plain tensor counts as present
        #expect(try has(nil) == false)
    }
}
