import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScatterNDTests {
    @Test func updatesAndMul() throws {
        let x = try f32([4], [1, 2, 3, 4])
        let idx = try Tensor(ints: [3, 1], shape: [2, 1]), upd = try f32([2], [10, 20])
        #expect(try runNode("ScatterND", [x, idx, upd])[0].scalars(of: Float.self) == [1, 20, 3, 10])
        let mul = try runNode("ScatterND", [x, idx, upd], attributes: [Attribute(name: "reduction", value: .string("mul"))])[0]
        #expect(try mul.scalars(of: Float.self) == [1, 40, 3, 40])
        #expect(throws: (any Error).self) { try runNode("ScatterND", [x, Tensor(ints: [4, 0], shape: [2, 1]), upd]) }
    }
}
