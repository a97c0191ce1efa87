import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceProdTests {
    @Test func productAndEmptySet() throws {
        let out = try runNode("ReduceProd", [try f32([2, 2], [1, 2, 3, 4]), try Tensor(ints: [1])])[0]
        #expect(try out.scalars(of: Float.self) == [2, 12])
        let e = try runNode("ReduceProd", [try f32([2, 0], []), try Tensor(ints: [1])])[0]
        #expect(try e.scalars(of: Float.self) == [1, 1])
    }
}
