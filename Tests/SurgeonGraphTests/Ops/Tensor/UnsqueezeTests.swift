import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct UnsqueezeTests {
    @Test func unsortedAxes() throws {
        let x = try Tensor(zeros: .float32, shape: [3, 4])
        #expect(try runNode("Unsqueeze", [x, Tensor(ints: [3, 0])])[0].shape == [1, 3, 4, 1])
        let old = try runNode("Unsqueeze", [x], attributes: [Attribute(name: "axes", value: .ints([-1]))], opset: 11)[0]
        #expect(old.shape == [3, 4, 1])
    }
}
