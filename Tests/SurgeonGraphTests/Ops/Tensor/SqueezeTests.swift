import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SqueezeTests {
    @Test func axesInputAndAll() throws {
        let x = try Tensor(zeros: .float32, shape: [1, 3, 1, 2])
        #expect(try runNode("Squeeze", [x, Tensor(ints: [-2])])[0].shape == [1, 3, 2])
        #expect(try runNode("Squeeze", [x])[0].shape == [3, 2])
        #expect(throws: (any Error).self) { try runNode("Squeeze", [x, Tensor(ints: [1])]) }
    }
}
