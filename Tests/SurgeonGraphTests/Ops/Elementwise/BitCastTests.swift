import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BitCastTests {
    @Test func reinterpretsBytes() throws {
        let y = try runNode("BitCast", [try f32([2], [1, -2])], attributes: [Attribute(name: "to", value: .int(DType.int32.rawValue))], opset: 26)[0]
        #expect(try y.scalars(of: Int32.self) == [1065353216, -1073741824])
    }

    @Test func refusesSizeMismatch() throws {
        #expect(throws: (any Error).self) {
            try runNode("BitCast", [try f32([2], [1, -2])], attributes: [Attribute(name: "to", value: .int(DType.int64.rawValue))], opset: 26)
        }
    }
}
