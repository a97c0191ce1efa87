import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BitwiseXorTests {
    @Test func int32AndBroadcastUInt8() throws {
        let a = try Tensor(shape: [3], scalars: [Int32(12), 14, 15]), b = try Tensor(shape: [], scalars: [Int32(10)])
        #expect(try runNode("BitwiseXor", [a, b])[0].scalars(of: Int32.self) == [6, 4, 5])
        let u = try Tensor(shape: [1], scalars: [UInt8(0xF0)]), v = try Tensor(shape: [1], scalars: [UInt8(0x3C)])
        #expect(try runNode("BitwiseXor", [u, v])[0].scalars(of: UInt8.self) == [UInt8(0xF0) ^ UInt8(0x3C)])
    }

    @Test func refusesFloats() throws {
        #expect(throws: (any Error).self) { try runNode("BitwiseXor", [try f32([1], [1]), try f32([1], [1])]) }
    }
}
