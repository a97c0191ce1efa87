import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ShrinkTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -1.0, 0.0, 1.0, 2.0])
        let y = try runNode("Shrink", [x], attributes: [Attribute(name: "lambd", value: .float(1.5)), Attribute(name: "bias", value: .float(0.5))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.5, 0.0, 0.0, 0.0, 1.5])))
    }

    @Test func int8Input() throws {
        let y = try runNode("Shrink", [try Tensor(shape: [3], scalars: [Int8(-3), 0, 3])], attributes: [Attribute(name: "bias", value: .float(1))])[0]
        #expect(try y.scalars(of: Int8.self) == [-2, 0, 2])
    }
}
