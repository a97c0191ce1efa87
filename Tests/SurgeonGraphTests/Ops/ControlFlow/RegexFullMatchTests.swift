import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RegexFullMatchTests {
    @Test func matchesWholeStringOnly() throws {
        let y = try runNode("RegexFullMatch", [strs([3], ["abc", "abcd", "xabc"])],
                            attributes: [Attribute(name: "pattern", value: .string("a.c|abcd?"))], opset: 20)[0]
        #expect(try y.scalars(of: Bool.self) == [true, true, false])
    }

    @Test func badPatternIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("RegexFullMatch", [strs([1], ["a"])], attributes: [Attribute(name: "pattern", value: .string("(a"))], opset: 20)
        }
    }
}
