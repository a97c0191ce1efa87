import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HardSigmoidTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-10.0, -1.0, 0.0, 1.0, 10.0])
        let y = try runNode("HardSigmoid", [x], attributes: [Attribute(name: "alpha", value: .float(0.5)), Attribute(name: "beta", value: .float(0.6))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [0.0, 0.10000000149011612, 0.6000000238418579, 1.0, 1.0])))
    }
}
