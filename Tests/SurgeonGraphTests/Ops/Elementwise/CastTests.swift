import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CastTests {
    @Test func floatToIntTruncatesAndToString() throws {
        let x = try f32([3], [1.7, -1.7, 3])
        let i = try runNode("Cast", [x], attributes: [Attribute(name: "to", value: .int(DType.int32.rawValue))])[0]
        #expect(try i.scalars(of: Int32.self) == [1, -1, 3])
        let s = try runNode("Cast", [x], attributes: [Attribute(name: "to", value: .int(DType.string.rawValue))])[0]
        #expect(s.dtype == .string)
        let back = try runNode("Cast", [s], attributes: [Attribute(name: "to", value: .int(DType.float32.rawValue))])[0]
        #expect(isClose(back, x))
    }

    @Test func stringTypeNameInOldOpsets() throws {
        let y = try runNode("Cast", [try f32([1], [2.5])], attributes: [Attribute(name: "to", value: .string("DOUBLE"))], opset: 1)[0]
        #expect(try y.scalars(of: Double.self) == [2.5])
    }
}
