import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BitwiseNotTests {
    @Test func complements() throws {
        #expect(try runNode("BitwiseNot", [try Tensor(shape: [2], scalars: [Int32(0), -5])])[0].scalars(of: Int32.self) == [-1, 4])
        #expect(try runNode("BitwiseNot", [try Tensor(shape: [1], scalars: [UInt16(1)])])[0].scalars(of: UInt16.self) == [65534])
    }
}
