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

    /// Moving axes of extent 1 keeps the element order: the result shares the input's bytes
    /// (no copy) and equals the strided copy; with the other axes reordered too, it is a copy.
    @Test func unitAxesMovedWithoutCopy() throws {
        let x = try f32([1, 3, 1, 4], (0..<12).map(Float.init))
        for perm in [[1, 0, 2, 3], [1, 2, 3, 0], [2, 1, 0, 3], [0, 2, 1, 3]] {
            let out = try runNode("Transpose", [x], attributes: [Attribute(name: "perm", value: .ints(perm))])[0]
            #expect(out.shape == perm.map { x.shape[$0] })
            #expect(try out.scalars(of: Float.self) == (0..<12).map(Float.init), "\(perm)")
            #expect(out.buffer === x.buffer, "\(perm)")
        }
        // The 3 and 4 axes swap: a copy, in the transposed order.
        let out = try runNode("Transpose", [x], attributes: [Attribute(name: "perm", value: .ints([2, 3, 0, 1]))])[0]
        #expect(out.shape == [1, 4, 1, 3])
        #expect(try out.scalars(of: Float.self) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        #expect(out.buffer !== x.buffer)
        // Strings take the copy.
        let s = Tensor(shape: [1, 2], strings: ["a", "b"])
        #expect(try runNode("Transpose", [s])[0].strings == ["a", "b"])
    }
}
