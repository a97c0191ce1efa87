import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Regression for the Reduce group's Softmax: float16/bfloat16 round each step like the reference
/// (this made the fp16/bf16 expanded Attention cases differ by one ulp).
@Suite struct SoftmaxReducedFloatTests {
    @Test func float16RoundsLikeNumpy() throws {
        let x = try Tensor(floats: [-0.25, 0, 1, 1.75], shape: [1, 4], dtype: .float16)
        let y = try runNode("Softmax", [x], opset: 13)[0]
        let want = try Tensor(floats: [0.07598876953125, 0.09759521484375, 0.26513671875, 0.5615234375], shape: [1, 4], dtype: .float16)
        #expect(isClose(y, want, atol: 0, rtol: 0))
    }

    @Test func bfloat16RoundsLikeNumpy() throws {
        let x = try Tensor(floats: [-2, -1.5, 1.25, 1.75], shape: [1, 4], dtype: .bfloat16)
        let y = try runNode("Softmax", [x], opset: 13)[0]
        let want = try Tensor(floats: [0.01409912109375, 0.023193359375, 0.361328125, 0.59765625], shape: [1, 4], dtype: .bfloat16)
        #expect(isClose(y, want, atol: 0, rtol: 0))
    }
}
