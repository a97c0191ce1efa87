import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RandomUniformLikeTests {
    @Test func followsInputShapeAndDtype() throws {
        let y = try runNode("RandomUniformLike", [Tensor(zeros: .float16, shape: [4, 5])], opset: 1)[0]
        #expect(y.shape == [4, 5] && y.dtype == .float16)
        #expect(Set(y.doubleArray()).count > 1)
    }
}
