import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct OrTests {
    @Test func truthTableWithBroadcast() throws {
        let a = try Tensor(bools: [false, true], shape: [2, 1]), b = try Tensor(bools: [false, true], shape: [2])
        let y = try runNode("Or", [a, b])[0]
        #expect(y.shape == [2, 2])
        #expect(try y.scalars(of: Bool.self) == [false, true, true, true])
    }
}
