import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ExpandTests {
    @Test func broadcastsBothWays() throws {
        let x = try f32([3, 1], [1, 2, 3])
        let out = try runNode("Expand", [x, Tensor(ints: [2, 1, 2])])[0]
        #expect(out.shape == [2, 3, 2])
        #expect(try out.scalars(of: Float.self) == [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
    }
}
