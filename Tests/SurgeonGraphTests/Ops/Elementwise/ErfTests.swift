import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ErfTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Erf", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.9953222870826721, -0.5204998850822449, 0.0, 0.27632638812065125, 0.9661051630973816])))
    }
}
