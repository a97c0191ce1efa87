import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct IdentityTests {
    @Test func passesTensorThrough() throws {
        let x = try Tensor(shape: [2], scalars: [Int64(4), 5])
        #expect(try runNode("Identity", [x])[0].scalars(of: Int64.self) == [4, 5])
    }
}
