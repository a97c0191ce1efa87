import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AdagradTests {
    let domain = "ai.onnx.preview.training"
    let t0 = Tensor(scalar: Int64(0))

    @Test func adagradStep() throws {
        let out = try runNode("Adagrad", [Tensor(scalar: Float(1)), t0, try f32([1], [1]), try f32([1], [2]), try f32([1], [0])],
                              outputs: 2, opset: 1, domain: domain)
        #expect(isClose(out[0], try f32([1], [0])))
        #expect(isClose(out[1], try f32([1], [4])))
    }
}
