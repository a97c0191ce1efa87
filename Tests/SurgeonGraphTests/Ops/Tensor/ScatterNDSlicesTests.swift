@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScatterNDSlicesTests {
    static func random(_ n: Int, seed: UInt32) -> [Float] {
        var s = seed
        return (0..<n).map { _ in s = s &* 1664525 &+ 1013904223; return Float(s >> 8) / Float(1 << 24) }
    }

    /// Block copies against the per-element plain kernel: tuple lengths 1..rank, negative
    /// indices, repeated tuples (last write wins), batched index shapes, int8 and int64 data,
    /// and a large scatter that takes the threaded copies.
    @Test func fastPathMatchesPlainKernel() throws {
        let shape = [5, 4, 3, 6]
        let x = try Tensor(shape: shape, scalars: Self.random(360, seed: 1))
        for k in 1...4 {
            for repeated in [false, true] {
                var idx: [Int] = []
                let tuples = 6
                for t in 0..<tuples {
                    for j in 0..<k {
                        // Tuples (t, t, ...) mod extents, some negative; repeated: tuple 4 = tuple 1.
                        let src = repeated && t == 4 ? 1 : t
                        let v = src % shape[j]
                        idx.append(src % 2 == 0 ? v : v - shape[j])
                    }
                }
                let indices = try Tensor(ints: idx, shape: [2, 3, k])
                let updShape = [2, 3] + Array(shape[k...])
                let upd = try Tensor(shape: updShape, scalars: Self.random(updShape.reduce(1, *), seed: UInt32(10 + k)))
                let fast = try ScatterNDSlices.scatter(x, indices: indices, updates: upd, reduction: "none")
                let plain = try ScatterND.plain(x, indices: indices, updates: upd, reduction: "none")
                #expect(fast?.shape == shape)
                #expect(try fast?.scalars(of: Float.self) == plain.scalars(of: Float.self), "k \(k) repeated \(repeated)")
            }
        }
        // Other element sizes.
        let b = try Tensor(shape: [3, 2], scalars: [Int8(1), 2, 3, 4, 5, 6])
        let bi = try Tensor(ints: [2, 0], shape: [2, 1]), bu = try Tensor(shape: [2, 2], scalars: [Int8(-1), -2, -3, -4])
        #expect(try ScatterNDSlices.scatter(b, indices: bi, updates: bu, reduction: "none")?.scalars(of: Int8.self) == [-3, -4, 3, 4, -1, -2])
        let l = try Tensor(shape: [3], scalars: [Int64(1), 2, 3])
        let lu = try Tensor(shape: [1], scalars: [Int64(9)])
        #expect(try ScatterNDSlices.scatter(l, indices: Tensor(ints: [-1], shape: [1, 1]), updates: lu, reduction: "none")?
            .scalars(of: Int64.self) == [1, 2, 9])
        // Large: 300 slices of 1000 floats into 400.
        let big = try Tensor(shape: [400, 10, 100], scalars: Self.random(400_000, seed: 5))
        let perm = (0..<300).map { ($0 * 7) % 400 }
        let bigIdx = try Tensor(ints: perm, shape: [300, 1])
        let bigUpd = try Tensor(shape: [300, 10, 100], scalars: Self.random(300_000, seed: 6))
        let f = try ScatterNDSlices.scatter(big, indices: bigIdx, updates: bigUpd, reduction: "none")
        #expect(try f?.scalars(of: Float.self) == ScatterND.plain(big, indices: bigIdx, updates: bigUpd, reduction: "none").scalars(of: Float.self))
    }

    /// Reductions go to the plain kernel; bad indices and shapes are errors or nil, not crashes.
    @Test func otherFormsAndBadInput() throws {
        let x = try Tensor(shape: [4], scalars: [Float(1), 2, 3, 4])
        let idx = try Tensor(ints: [3, 1], shape: [2, 1]), upd = try Tensor(shape: [2], scalars: [Float(10), 20])
        #expect(try ScatterNDSlices.scatter(x, indices: idx, updates: upd, reduction: "add") == nil)
        #expect(try ScatterNDSlices.scatter(x, indices: idx, updates: Tensor(shape: [3], scalars: [Float(1), 2, 3]), reduction: "none") == nil)
        #expect(try ScatterNDSlices.scatter(x, indices: Tensor(ints: [0, 0], shape: [1, 2]), updates: upd, reduction: "none") == nil)
        #expect(throws: (any Error).self) {
            try ScatterNDSlices.scatter(x, indices: Tensor(ints: [4, 0], shape: [2, 1]), updates: upd, reduction: "none")
        }
        #expect(throws: (any Error).self) {
            try ScatterNDSlices.scatter(x, indices: Tensor(ints: [-5, 0], shape: [2, 1]), updates: upd, reduction: "none")
        }
    }
}
