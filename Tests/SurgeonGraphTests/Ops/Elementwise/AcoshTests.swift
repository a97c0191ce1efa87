import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AcoshTests {
    @Test func float32Values() throws {
        let x = try f32([3], [1.0, 1.5, 10.0])
        let y = try runNode("Acosh", [x], opset: 18)[0]
        #expect(isClose(y, try f32([3], [0.0, 0.9624236226081848, 2.993222951889038])))
    }
}
