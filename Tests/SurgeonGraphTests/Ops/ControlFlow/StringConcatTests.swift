import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct StringConcatTests {
    @Test func broadcasts() throws {
        let y = try runNode("StringConcat", [strs([2], ["a", "bé"]), strs([], ["!"])], opset: 20)[0]
        #expect(y.shape == [2])
        #expect(y.strings == ["a!", "bé!"])
    }

    @Test func numbersAreAnError() throws {
        #expect(throws: (any Error).self) { try runNode("StringConcat", [try f32([1], [1]), strs([1], ["x"])], opset: 20) }
    }
}
