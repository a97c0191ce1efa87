import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct StringSplitTests {
    @Test func delimiterAndPadding() throws {
        let out = try runNode("StringSplit", [strs([2], ["a--b", "c"])], attributes: [Attribute(name: "delimiter", value: .string("-"))],
                              outputs: 2, opset: 20)
        #expect(out[0].shape == [2, 3])
        #expect(out[0].strings == ["a", "", "b", "c", "", ""])
        #expect(try out[1].scalars(of: Int64.self) == [3, 1])
    }

    @Test func whitespaceWithMaxsplit() throws {
        let out = try runNode("StringSplit", [strs([1], ["  x y  z "])], attributes: [Attribute(name: "maxsplit", value: .int(1))],
                              outputs: 2, opset: 20)
        #expect(out[0].strings == ["x", "y  z "])
        #expect(try out[1].scalars(of: Int64.self) == [2])
    }
}
