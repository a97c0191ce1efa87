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

    @Test func float8SaturateAndE8M0RoundMode() throws {
        let x = try f32([3], [1000, -1000, 1.1])
        func cast(_ to: DType, _ attrs: [Attribute] = []) throws -> Tensor {
            try runNode("Cast", [x], attributes: [Attribute(name: "to", value: .int(to.rawValue))] + attrs, opset: 24)[0]
        }
        #expect(try cast(.float8e4m3fn).floatArray() == [448, -448, 1.125])
        let ns = try cast(.float8e4m3fn, [Attribute(name: "saturate", value: .int(0))]).floatArray()
        #expect(ns[0].isNaN && ns[1].isNaN && ns[2] == 1.125)
        #expect(try cast(.float8e5m2, [Attribute(name: "saturate", value: .int(0))]).floatArray() == [1024, -1024, 1])
        let big = try runNode("Cast", [try f32([2], [1e5, -1e5])], attributes: [
            Attribute(name: "to", value: .int(DType.float8e5m2.rawValue)), Attribute(name: "saturate", value: .int(0))], opset: 19)[0]
        #expect(big.floatArray() == [.infinity, -.infinity])
        #expect(try cast(.float8e8m0).floatArray()[2] == 2)
        #expect(try cast(.float8e8m0, [Attribute(name: "round_mode", value: .string("down"))]).floatArray()[2] == 1)
        #expect(throws: (any Error).self) { try cast(.float8e8m0, [Attribute(name: "round_mode", value: .string("sideways"))]) }
        let like = try Tensor(shape: [1], scalars: [Int32(0)]).cast(to: .int4)
        let y = try runNode("CastLike", [try f32([3], [9, -9, 3.7]), like], opset: 21)[0]
        #expect(y.dtype == .int4 && y.int64Array() == [-7, 7, 3])
    }
}
