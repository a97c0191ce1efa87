import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceMeanTests {
    @Test func meanOverMiddleAxis() throws {
        let x = try f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        let out = try runNode("ReduceMean", [x, try Tensor(ints: [-2])])[0]
        #expect(out.shape == [2, 1, 2])
        #expect(try out.scalars(of: Float.self) == [2, 3, 6, 7])
    }

    @Test func emptySetIsNaN() throws {
        let out = try runNode("ReduceMean", [try f32([0, 2], []), try Tensor(ints: [0])])[0]
        #expect(out.shape == [1, 2])
        #expect(try out.scalars(of: Float.self).allSatisfy { $0.isNaN })
    }
}
