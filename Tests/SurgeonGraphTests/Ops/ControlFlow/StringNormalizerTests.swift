import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct StringNormalizerTests {
    @Test func dropsStopwordsInsensitiveAndUppercases() throws {
        let y = try runNode("StringNormalizer", [strs([1, 3], ["Monday", "tue", "MONDAY"])], attributes: [
            Attribute(name: "case_change_action", value: .string("UPPER")), Attribute(name: "stopwords", value: .strings(["monday"])),
        ], opset: 10)[0]
        #expect(y.shape == [1, 1])
        #expect(y.strings == ["TUE"])
    }

    @Test func everythingDroppedGivesOneEmptyString() throws {
        let y = try runNode("StringNormalizer", [strs([2], ["a", "a"])], attributes: [
            Attribute(name: "is_case_sensitive", value: .int(1)), Attribute(name: "stopwords", value: .strings(["a"])),
        ], opset: 10)[0]
        #expect(y.shape == [1] && y.strings == [""])
    }
}
