import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CosTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Cos", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.416146844625473, 0.8775825500488281, 1.0, 0.9689124226570129, 0.07073719799518585])))
    }
}
