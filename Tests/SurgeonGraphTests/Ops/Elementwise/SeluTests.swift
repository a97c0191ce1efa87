import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SeluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Selu", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.5201665163040161, -0.6917582154273987, 0.0, 0.2626752555370331, 1.5760514736175537])))
    }
}
