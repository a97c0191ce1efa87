import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MomentumTests {
    let domain = "ai.onnx.preview.training"
    let t0 = Tensor(scalar: Int64(0))

    @Test func momentumStandardAndNesterov() throws {
        let ins = [Tensor(scalar: Float(0.1)), t0, try f32([1], [1]), try f32([1], [1]), try f32([1], [4])]
        func run(_ mode: String) throws -> [Tensor] {
            try runNode("Momentum", ins, attributes: [Attribute(name: "alpha", value: .float(0.5)), Attribute(name: "beta", value: .float(0.3)),
                                                      Attribute(name: "norm_coefficient", value: .float(0)), Attribute(name: "mode", value: .string(mode))],
                        outputs: 2, opset: 1, domain: domain)
        }
        let s = try run("standard"), n = try run("nesterov")
        #expect(isClose(s[1], try f32([1], [3])))
        #expect(isClose(s[0], try f32([1], [0.7])))
        #expect(isClose(n[0], try f32([1], [0.75])))
    }
}
