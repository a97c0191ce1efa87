import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HardmaxTests {
    @Test func oneAtFirstMaximum() throws {
        let out = try runNode("Hardmax", [try f32([2, 3], [1, 3, 3, 0, -1, -2])], opset: 13)[0]
        #expect(try out.scalars(of: Float.self) == [0, 1, 0, 1, 0, 0])
    }
}
