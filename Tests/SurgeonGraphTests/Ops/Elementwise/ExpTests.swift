import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ExpTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Exp", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [0.1353352814912796, 0.6065306663513184, 1.0, 1.2840254306793213, 4.481688976287842])))
    }
}
