import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ScatterTests {
    @Test func oldScatter() throws {
        let x = try f32([3], [0, 0, 0])
        let out = try runNode("Scatter", [x, Tensor(ints: [2, 0]), f32([2], [5, 6])], opset: 9)[0]
        #expect(try out.scalars(of: Float.self) == [6, 0, 5])
    }
}
