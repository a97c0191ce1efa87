import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AddTests {
    @Test func broadcastsRowOverMatrix() throws {
        let a = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let b = try f32([3], [10, 20, 30])
        let out = try runNode("Add", [a, b])[0]
        #expect(out.shape == [2, 3])
        #expect(try out.scalars(of: Float.self) == [11, 22, 33, 14, 25, 36])
    }

    @Test func int32Wraps() throws {
        let a = try Tensor(shape: [1], scalars: [Int32.max])
        let b = try Tensor(shape: [1], scalars: [Int32(1)])
        #expect(try runNode("Add", [a, b])[0].scalars(of: Int32.self) == [Int32.min])
    }

    @Test func mismatchedShapesAreAnError() throws {
        let a = try f32([2], [1, 2]), b = try f32([3], [1, 2, 3])
        #expect(throws: (any Error).self) { try runNode("Add", [a, b]) }
    }
}
