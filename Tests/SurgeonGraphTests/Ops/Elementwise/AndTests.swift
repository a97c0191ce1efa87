import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AndTests {
    @Test func truthTableWithBroadcast() throws {
        let a = try Tensor(bools: [false, true], shape: [2, 1]), b = try Tensor(bools: [false, true], shape: [2])
        let y = try runNode("And", [a, b])[0]
        #expect(y.shape == [2, 2])
        #expect(try y.scalars(of: Bool.self) == [false, false, false, true])
    }
}
