import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CumProdTests {
    @Test func productAlongAxis() throws {
        let x = try f32([4], [1, 2, 3, 4])
        #expect(try runNode("CumProd", [x, Tensor(scalar: Int64(0))], opset: 26)[0].scalars(of: Float.self) == [1, 2, 6, 24])
        let ex = try runNode("CumProd", [x, Tensor(scalar: Int64(0))], attributes: [Attribute(name: "exclusive", value: .int(1))], opset: 26)[0]
        #expect(try ex.scalars(of: Float.self) == [1, 1, 2, 6])
    }
}
