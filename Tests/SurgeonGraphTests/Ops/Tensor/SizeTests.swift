import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SizeTests {
    @Test func countsElements() throws {
        let out = try runNode("Size", [Tensor(zeros: .float32, shape: [2, 3, 4])])[0]
        #expect(out.shape == [] && out.intArray() == [24])
    }
}
