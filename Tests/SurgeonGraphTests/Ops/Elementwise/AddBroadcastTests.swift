import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AddBroadcastTests {
    /// The collapsed-axis broadcast loop against a naive per-element reference, over shapes that
    /// exercise inner broadcast, outer broadcast, both-sided broadcast and size-1 axes.
    @Test func broadcastMatchesNaiveReference() throws {
        let cases: [([Int], [Int])] = [
            ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [1, 3, 1]), ([1, 3, 1, 5], [2, 1, 4, 1]),
            ([2, 3, 4], [2, 1, 4]), ([5], [1]), ([3, 1], [1, 1]), ([1], [2, 1, 3]),
        ]
        for (sa, sb) in cases {
            let na = sa.reduce(1, *), nb = sb.reduce(1, *)
            let a = try f32(sa, (0..<na).map { Float($0) }), b = try f32(sb, (0..<nb).map { Float($0 * 100) })
            let out = try broadcastShapes([sa, sb])
            var expected = [Float](repeating: 0, count: out.reduce(1, *))
            let av = try a.scalars(of: Float.self), bv = try b.scalars(of: Float.self)
            forEachBroadcast(out, [broadcastStrides(sa, to: out), broadcastStrides(sb, to: out)]) { i, off in
                expected[i] = av[off[0]] + bv[off[1]]
            }
            let y = try runNode("Add", [a, b])[0]
            #expect(y.shape == out)
            #expect(try y.scalars(of: Float.self) == expected)
        }
    }

    @Test func float16() throws {
        let a = try Tensor(shape: [2], scalars: [Float16(1.5), 2]), b = try Tensor(shape: [1], scalars: [Float16(0.25)])
        #expect(try runNode("Add", [a, b])[0].scalars(of: Float16.self) == [1.75, 2.25])
    }
}
