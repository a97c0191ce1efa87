import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScatterElementsTests {
    @Test func replaceAndAdd() throws {
        let x = try f32([1, 5], [1, 2, 3, 4, 5])
        let idx = try Tensor(ints: [1, 3, 1], shape: [1, 3]), upd = try f32([1, 3], [10, 20, 30])
        let axis = Attribute(name: "axis", value: .int(1))
        let add = try runNode("ScatterElements", [x, idx, upd], attributes: [axis, Attribute(name: "reduction", value: .string("add"))])[0]
        #expect(try add.scalars(of: Float.self) == [1, 42, 3, 24, 5])
        let none = try runNode("ScatterElements", [x, try Tensor(ints: [-1, 0, 2], shape: [1, 3]), upd], attributes: [axis])[0]
        #expect(try none.scalars(of: Float.self) == [20, 2, 30, 4, 10])
        #expect(throws: (any Error).self) { try runNode("ScatterElements", [x, try Tensor(ints: [5, 0, 0], shape: [1, 3]), upd], attributes: [axis]) }
    }
}
