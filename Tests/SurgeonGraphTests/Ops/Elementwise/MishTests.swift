import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MishTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Mish", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.2525014877319336, -0.22074377536773682, 0.0, 0.16957241296768188, 1.4033782482147217])))
    }
}
