import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct OneHotTests {
    @Test func negativeAndOutOfRange() throws {
        let out = try runNode("OneHot", [Tensor(ints: [0, -1, 5]), Tensor(scalar: Int64(3)), f32([2], [0, 1])])[0]
        #expect(out.shape == [3, 3])
        #expect(try out.scalars(of: Float.self) == [1, 0, 0, 0, 0, 1, 0, 0, 0])
        let ax0 = try runNode("OneHot", [Tensor(ints: [1, 0]), Tensor(scalar: Float(2)), f32([2], [0, 1])], attributes: [Attribute(name: "axis", value: .int(0))])[0]
        #expect(try ax0.scalars(of: Float.self) == [0, 1, 1, 0])
    }
}
