import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LabelEncoderTests {
    @Test func stringsToIntsWithDefault() throws {
        let y = try runNode("LabelEncoder", [strs([3], ["b", "z", "a"])], attributes: [
            Attribute(name: "keys_strings", value: .strings(["a", "b"])), Attribute(name: "values_int64s", value: .ints([7, 8])),
        ], opset: 2, domain: "ai.onnx.ml")[0]
        #expect(try y.scalars(of: Int64.self) == [8, -1, 7])
    }

    @Test func floatKeysToTensorValues() throws {
        let values = try Tensor(shape: [2], scalars: [Int16(1), Int16(2)])
        let y = try runNode("LabelEncoder", [try f32([3], [0.5, 1.5, 2])], attributes: [
            Attribute(name: "keys_floats", value: .floats([0.5, 2])), Attribute(name: "values_tensor", value: .tensor(values)),
            Attribute(name: "default_tensor", value: .tensor(try Tensor(shape: [1], scalars: [Int16(-9)]))),
        ], opset: 4, domain: "ai.onnx.ml")[0]
        #expect(try y.scalars(of: Int16.self) == [1, -9, 2])
    }
}
