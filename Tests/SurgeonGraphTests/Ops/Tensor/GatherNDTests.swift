import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GatherNDTests {
    @Test func slicesAndBatchDims() throws {
        let x = try f32([2, 2], [0, 1, 2, 3])
        let out = try runNode("GatherND", [x, Tensor(ints: [1, 0], shape: [2, 1])])[0]
        #expect(try out.shape == [2, 2] && (out.scalars(of: Float.self)) == [2, 3, 0, 1])
        let y = try f32([2, 2, 2], (0..<8).map(Float.init))
        let b = try runNode("GatherND", [y, Tensor(ints: [1, 0], shape: [2, 1])], attributes: [Attribute(name: "batch_dims", value: .int(1))])[0]
        #expect(try b.scalars(of: Float.self) == [2, 3, 4, 5])
        #expect(throws: (any Error).self) { try runNode("GatherND", [x, Tensor(ints: [5], shape: [1, 1])]) }
    }
}
