import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct NegTests {
    @Test func floatsAndInts() throws {
        #expect(try runNode("Neg", [try f32([2], [-1.5, 2])])[0].scalars(of: Float.self) == [1.5, -2])
        #expect(try runNode("Neg", [try Tensor(shape: [2], scalars: [Int32(-5), 7])])[0].scalars(of: Int32.self) == [5, -7])
        #expect(throws: (any Error).self) { try runNode("Neg", [try Tensor(shape: [1], scalars: [UInt8(1)])]) }
    }
}
