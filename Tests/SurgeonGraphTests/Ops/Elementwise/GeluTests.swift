import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GeluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Gelu", [x], opset: 20)[0]
        #expect(isClose(y, try f32([5], [-0.0455002635717392, -0.1542687714099884, 0.0, 0.14967657625675201, 1.3997892141342163])))
    }

    @Test func tanhApproximation() throws {
        let y = try runNode("Gelu", [try f32([3], [-1, 0.5, 2])], attributes: [Attribute(name: "approximate", value: .string("tanh"))], opset: 20)[0]
        #expect(isClose(y, try f32([3], [-0.15880800783634186, 0.3457140028476715, 1.9545977115631104])))
    }
}
