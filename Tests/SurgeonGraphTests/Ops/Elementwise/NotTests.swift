import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct NotTests {
    @Test func negates() throws {
        #expect(try runNode("Not", [try Tensor(bools: [true, false], shape: [2])])[0].scalars(of: Bool.self) == [false, true])
        #expect(throws: (any Error).self) { try runNode("Not", [try f32([1], [1])]) }
    }
}
