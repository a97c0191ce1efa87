import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TransposeTests {
    @Test func permutes3D() throws {
        let x = try f32([2, 3, 2], (0..<12).map(Float.init))
        let out = try runNode("Transpose", [x], attributes: [Attribute(name: "perm", value: .ints([2, 0, 1]))])[0]
        #expect(out.shape == [2, 2, 3])
        #expect(try out.scalars(of: Float.self) == [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11])
    }

    @Test func defaultReversesStrings() throws {
        let x = Tensor(shape: [2, 2], strings: ["a", "b", "c", "d"])
        #expect(try runNode("Transpose", [x])[0].strings == ["a", "c", "b", "d"])
    }
}
