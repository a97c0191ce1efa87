import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ArgMinTests {
    @Test func indexOfSmallestAlongAxisZero() throws {
        let x = try Tensor(shape: [2, 2], scalars: [Int32(3), 1, 2, 4])
        let out = try runNode("ArgMin", [x])[0]
        #expect(out.shape == [1, 2])
        #expect(try out.scalars(of: Int64.self) == [1, 0])
    }
}
