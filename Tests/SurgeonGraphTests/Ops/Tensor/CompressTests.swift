import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CompressTests {
    @Test func axisAndFlat() throws {
        let x = try f32([3, 2], [1, 2, 3, 4, 5, 6])
        let c = try Tensor(bools: [false, true, true], shape: [3])
        let out = try runNode("Compress", [x, c], attributes: [Attribute(name: "axis", value: .int(0))])[0]
        #expect(try out.shape == [2, 2] && (out.scalars(of: Float.self)) == [3, 4, 5, 6])
        #expect(try runNode("Compress", [x, c])[0].scalars(of: Float.self) == [2, 3])
    }
}
