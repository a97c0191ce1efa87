import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RMSNormalizationTests {
    @Test func dividesByRootMeanSquare() throws {
        let x = try f32([1, 2], [3, 4])  // rms = sqrt(12.5)
        let out = try runNode("RMSNormalization", [x, try f32([2], [1, 2])], attributes: [Attribute(name: "epsilon", value: .float(0))], opset: 23)[0]
        let r = Float(12.5).squareRoot()
        #expect(isClose(out, try f32([1, 2], [3 / r, 8 / r])))
    }
}
