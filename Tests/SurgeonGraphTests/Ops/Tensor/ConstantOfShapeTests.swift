import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConstantOfShapeTests {
    @Test func fillsWithValue() throws {
        let out = try runNode("ConstantOfShape", [Tensor(ints: [2, 3])],
                              attributes: [Attribute(name: "value", value: .tensor(Tensor(shape: [1], scalars: [Int32(7)])))])[0]
        #expect(out.shape == [2, 3])
        #expect(try out.scalars(of: Int32.self) == Array(repeating: 7, count: 6))
        let z = try runNode("ConstantOfShape", [Tensor(ints: [2])])[0]
        #expect(try z.scalars(of: Float.self) == [0, 0])
    }
}
