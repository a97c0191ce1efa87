@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GatherElementsTests {
    @Test func axis1() throws {
        let x = try f32([2, 2], [1, 2, 3, 4])
        let out = try runNode("GatherElements", [x, Tensor(ints: [0, 0, -1, 0], shape: [2, 2])], attributes: [Attribute(name: "axis", value: .int(1))])[0]
        #expect(try out.scalars(of: Float.self) == [1, 1, 4, 3])
        #expect(throws: (any Error).self) { try runNode("GatherElements", [x, Tensor(ints: [0, 2, 0, 0], shape: [2, 2])]) }
    }
}

/// The flat offsets behind GatherElements / ScatterElements: the same for every integer index
/// type (int64 and int32 read in place, others converted), against a direct computation.
@Suite struct ElementOffsetsTests {
    @Test func offsetsForEveryIndexTypeMatchTheirDefinition() throws {
        let shape = [3, 4, 5]
        var s: UInt32 = 11
        func next() -> Int { s = s &* 1664525 &+ 1013904223; return Int(s >> 8) }
        for axis in 0..<3 {
            let idxShape = [2, 3, 4]
            let n = idxShape.reduce(1, *)
            let idx = (0..<n).map { _ in next() % (2 * shape[axis]) - shape[axis] }
            // expected: the index element's own coordinates, with `axis` replaced by its value.
            var expected: [Int] = []
            for a in 0..<2 { for b in 0..<3 { for c in 0..<4 {
                var co = [a, b, c]
                let v = idx[(a * 3 + b) * 4 + c]
                co[axis] = v < 0 ? v + shape[axis] : v
                expected.append((co[0] * 4 + co[1]) * 5 + co[2])
            } } }
            let forms: [Tensor] = [
                try Tensor(ints: idx, shape: idxShape),
                try Tensor(shape: idxShape, scalars: idx.map { Int32($0) }),
                try Tensor(shape: idxShape, scalars: idx.map { Int16($0) }),
            ]
            for t in forms {
                let got = try GatherElements.withElementOffsets(shape, indices: t, axis: axis, op: "t") { Array($0) }
                #expect(got == expected, "axis \(axis) \(t.dtype)")
            }
        }
        #expect(throws: (any Error).self) {
            try GatherElements.withElementOffsets(shape, indices: Tensor(ints: [5], shape: [1, 1, 1]), axis: 1, op: "t") { _ in 0 }
        }
        // One index out of range among valid ones (row by row, reported after the loop): the
        // error names it.
        do {
            _ = try GatherElements.withElementOffsets([2, 3], indices: Tensor(ints: [0, 1, 2, 1, -4, 0], shape: [2, 3]), axis: 1,
                                                      op: "t") { _ in 0 }
            Issue.record("no error for index -4 on an axis of 3")
        } catch {
            #expect("\(error)".contains("index -4 is out of range for a dimension of 3"), "\(error)")
        }
    }

    /// Ranks 1-4, every axis, index extents at most the data's: the row-by-row offsets against
    /// the coordinates computed one element at a time.
    @Test func offsetsOfEveryRankAndAxis() throws {
        var s: UInt32 = 5
        func next(_ n: Int) -> Int { s = s &* 1664525 &+ 1013904223; return Int(s >> 8) % n }
        for trial in 0..<60 {
            let rank = 1 + trial % 4
            let shape = (0..<rank).map { _ in 1 + next(5) }
            let axis = next(rank)
            let iShape = shape.enumerated().map { d, e in d == axis ? 1 + next(6) : 1 + next(e) }
            let count = iShape.reduce(1, *)
            let idx = (0..<count).map { _ in next(2 * shape[axis]) - shape[axis] }
            var expected: [Int] = []
            for flat in 0..<count {
                var rest = flat, co = [Int](repeating: 0, count: rank)
                for d in stride(from: rank - 1, through: 0, by: -1) { co[d] = rest % iShape[d]; rest /= iShape[d] }
                let v = idx[flat]
                co[axis] = v < 0 ? v + shape[axis] : v
                var off = 0
                for d in 0..<rank { off = off * shape[d] + co[d] }
                expected.append(off)
            }
            for t in [try Tensor(ints: idx, shape: iShape), try Tensor(shape: iShape, scalars: idx.map { Int32($0) })] {
                let got = try GatherElements.withElementOffsets(shape, indices: t, axis: axis, op: "t") { Array($0) }
                #expect(got == expected, "shape \(shape) indices \(iShape) axis \(axis) \(t.dtype)")
            }
        }
        // Indices of another rank than the data's.
        #expect(throws: (any Error).self) {
            try GatherElements.withElementOffsets([3, 4, 5], indices: Tensor(ints: [0], shape: [1, 1]), axis: 1, op: "t") { _ in 0 }
        }
    }
}
