import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AdamTests {
    let domain = "ai.onnx.preview.training"
    let t0 = Tensor(scalar: Int64(0))

    @Test func adamStepWithoutBiasCorrection() throws {
        let out = try runNode("Adam", [Tensor(scalar: Float(1)), t0, try f32([1], [1]), try f32([1], [2]), try f32([1], [0]), try f32([1], [0])],
                              attributes: [Attribute(name: "alpha", value: .float(0.5)), Attribute(name: "beta", value: .float(0.5))],
                              outputs: 3, opset: 1, domain: domain)
        #expect(isClose(out[0], try f32([1], [1 - 1 / Float(2).squareRoot()])))
        #expect(isClose(out[1], try f32([1], [1])))
        #expect(isClose(out[2], try f32([1], [2])))
    }
}
