import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TriluTests {
    @Test func upperAndLower() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try runNode("Trilu", [x])[0].scalars(of: Float.self) == [1, 2, 3, 0, 5, 6])
        let low = try runNode("Trilu", [x, Tensor(scalar: Int64(-1))], attributes: [Attribute(name: "upper", value: .int(0))])[0]
        #expect(try low.scalars(of: Float.self) == [0, 0, 0, 4, 0, 0])
    }
}
