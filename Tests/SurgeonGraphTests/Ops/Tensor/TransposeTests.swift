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

    /// Copies of runs split among two threads (each chunk starting its odometer mid-axis): the
    /// same elements as an index-by-index transpose, contiguous runs (ViT's head transposes) and
    /// runs read with a stride.
    @Test(arguments: [([197, 12, 64], [1, 0, 2]), ([20, 1, 3, 12, 64], [3, 1, 2, 0, 4]), ([3, 5, 4000], [2, 1, 0])])
    func largeCopiesSplitAmongThreads(shape: [Int], perm: [Int]) throws {
        let count = shape.reduce(1, *)
        let x = try f32(shape, (0..<count).map { Float($0) })
        let saved = kernelThreads
        defer { kernelThreads = saved }
        kernelThreads = 2
        let out = try runNode("Transpose", [x], attributes: [Attribute(name: "perm", value: .ints(perm))])[0]
        let outShape = perm.map { shape[$0] }
        #expect(out.shape == outShape)
        var inStrides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * shape[d + 1] }
        var want = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for o in 0..<count {
            var source = 0
            for d in 0..<perm.count { source += index[d] * inStrides[perm[d]] }
            want[o] = Float(source)
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < outShape[d] { break }; index[d] = 0; d -= 1 }
        }
        #expect(try out.scalars(of: Float.self) == want)
    }
}
