import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RoundTests {
    @Test func float32Values() throws {
        let x = try f32([7], [0.5, 1.5, 2.5, -0.5, -1.5, 2.4000000953674316, -2.5999999046325684])
        let y = try runNode("Round", [x], opset: 18)[0]
        #expect(isClose(y, try f32([7], [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, -3.0])))
    }

    @Test func roundsHalfToEven() throws {
        let y = try runNode("Round", [try f32([4], [0.5, 1.5, 2.5, -2.5])])[0]
        #expect(try y.scalars(of: Float.self) == [0, 2, 2, -2])
    }
}
