import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConstantTests {
    @Test func valueFloatsAndStrings() throws {
        let f = try runNode("Constant", [], attributes: [Attribute(name: "value_floats", value: .floats([1, 2]))])[0]
        #expect(try f.scalars(of: Float.self) == [1, 2])
        let s = try runNode("Constant", [], attributes: [Attribute(name: "value_string", value: .string("hi"))])[0]
        #expect(s.shape == [] && s.strings == ["hi"])
        let t = try runNode("Constant", [], attributes: [Attribute(name: "value", value: .tensor(f32([2], [3, 4])))])[0]
        #expect(try t.scalars(of: Float.self) == [3, 4])
    }

    @Test func needsExactlyOneValue() throws {
        #expect(throws: (any Error).self) { try runNode("Constant", []) }
    }
}
