import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceL1Tests {
    @Test func sumOfAbsoluteValues() throws {
        let out = try runNode("ReduceL1", [try f32([2, 2], [1, -2, -3, 4]), try Tensor(ints: [1])])[0]
        #expect(try out.scalars(of: Float.self) == [3, 7])
    }
}
