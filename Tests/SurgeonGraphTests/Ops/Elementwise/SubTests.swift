import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SubTests {
    @Test func broadcastsColumn() throws {
        let a = try f32([2, 2], [5, 6, 7, 8]), b = try f32([2, 1], [1, 2])
        #expect(try runNode("Sub", [a, b])[0].scalars(of: Float.self) == [4, 5, 5, 6])
    }

    @Test func uint8Wraps() throws {
        let a = try Tensor(shape: [2], scalars: [UInt8(1), 200]), b = try Tensor(shape: [2], scalars: [UInt8(2), 100])
        #expect(try runNode("Sub", [a, b])[0].scalars(of: UInt8.self) == [255, 100])
    }
}
