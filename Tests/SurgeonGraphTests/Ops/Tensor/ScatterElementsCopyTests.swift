@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScatterElementsCopyTests {
    /// The copying kernel against the plain one on every axis, with negative and repeated
    /// indices (the last write wins), smaller index shapes than data, and 1-, 2- and 8-byte types.
    @Test func fastPathMatchesPlainKernel() throws {
        var s: UInt32 = 7
        func next() -> Int { s = s &* 1664525 &+ 1013904223; return Int(s >> 8) }
        let shape = [4, 5, 6]
        let x = try Tensor(shape: shape, scalars: (0..<120).map { Float($0) })
        for axis in 0..<3 {
            let idxShape = [3, 4, 5]
            let n = idxShape.reduce(1, *)
            // Values in -extent..<extent: negatives wrap, and repeats are certain.
            let idx = (0..<n).map { _ in next() % (2 * shape[axis]) - shape[axis] }
            let indices = try Tensor(ints: idx, shape: idxShape)
            let upd = try Tensor(shape: idxShape, scalars: (0..<n).map { Float(1000 + $0) })
            let targets = try GatherElements.withElementOffsets(shape, indices: indices, axis: axis, op: "t") { Array($0) }
            let fast = try ScatterElementsCopy.scatter(x, targets: targets, updates: upd, reduction: "none")
            let plain = try ScatterElements.scatter(x, targets: targets, updates: upd, reduction: "none", op: "t")
            #expect(try fast?.scalars(of: Float.self) == plain.scalars(of: Float.self), "axis \(axis)")
            #expect(fast?.shape == shape)
        }
        let b = try Tensor(shape: [4], scalars: [Int8(1), 2, 3, 4])
        #expect(try ScatterElementsCopy.scatter(b, targets: [3, 0, 3], updates: Tensor(shape: [3], scalars: [Int8(7), 8, 9]),
                                                reduction: "none")?.scalars(of: Int8.self) == [8, 2, 3, 9])
        let h = try Tensor(shape: [2], scalars: [Float16(1), 2])
        #expect(try ScatterElementsCopy.scatter(h, targets: [1], updates: Tensor(shape: [1], scalars: [Float16(5)]),
                                                reduction: "none")?.scalars(of: Float16.self) == [1, 5])
        let l = try Tensor(shape: [2], scalars: [Int64(1), 2])
        #expect(try ScatterElementsCopy.scatter(l, targets: [0], updates: Tensor(shape: [1], scalars: [Int64(-5)]),
                                                reduction: "none")?.scalars(of: Int64.self) == [-5, 2])
    }

    @Test func otherFormsAndBadTargets() throws {
        let x = try Tensor(shape: [2], scalars: [Float(1), 2])
        let u = try Tensor(shape: [1], scalars: [Float(5)])
        #expect(try ScatterElementsCopy.scatter(x, targets: [0], updates: u, reduction: "add") == nil)
        #expect(try ScatterElementsCopy.scatter(x, targets: [0, 1], updates: u, reduction: "none") == nil)
        #expect(throws: (any Error).self) { try ScatterElementsCopy.scatter(x, targets: [2], updates: u, reduction: "none") }
    }
}
