import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceL2Tests {
    @Test func euclideanNorm() throws {
        let out = try runNode("ReduceL2", [try f32([2, 2], [3, -4, 6, 8]), try Tensor(ints: [1])])[0]
        #expect(try out.scalars(of: Float.self) == [5, 10])
    }
}
