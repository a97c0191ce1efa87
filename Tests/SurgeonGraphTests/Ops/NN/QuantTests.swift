import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct QuantTests {
    @Test func quantizeRoundsHalfToEvenAndSaturates() throws {
        let x = try f32([5], [0, 1, 3, 600, -10])
        let y = try runNode("QuantizeLinear", [x, try f32([], [2]), Tensor(scalar: UInt8(10))], opset: 19)[0]
        #expect(y.dtype == .uint8)
        #expect(try y.scalars(of: UInt8.self) == [10, 10, 12, 255, 5])
    }

    @Test func quantizePerAxisAndDequantize() throws {
        let x = try f32([2, 2], [1, 2, 3, 4])
        let s = try f32([2], [1, 2])
        let zp = try Tensor(shape: [2], scalars: [Int8(0), Int8(1)])
        let q = try runNode("QuantizeLinear", [x, s, zp], attributes: [Attribute(name: "axis", value: .int(0))], opset: 19)[0]
        #expect(try q.scalars(of: Int8.self) == [1, 2, 3, 3])
        let d = try runNode("DequantizeLinear", [q, s, zp], attributes: [Attribute(name: "axis", value: .int(0))], opset: 19)[0]
        #expect(try d.scalars(of: Float.self) == [1, 2, 4, 4])
    }

    @Test func dynamicQuantize() throws {
        let out = try runNode("DynamicQuantizeLinear", [try f32([3], [0, 2, -1])], outputs: 3, opset: 11)
        #expect(try out[1].scalars(of: Float.self) == [3.0 / 255])
        #expect(try out[2].scalars(of: UInt8.self) == [85])
        #expect(try out[0].scalars(of: UInt8.self) == [85, 255, 0])
    }

    @Test func matMulIntegerWithZeroPoints() throws {
        let a = try Tensor(shape: [1, 2], scalars: [UInt8(3), 4]), b = try Tensor(shape: [2, 1], scalars: [UInt8(5), 6])
        let y = try runNode("MatMulInteger", [a, b, Tensor(scalar: UInt8(1)), Tensor(scalar: UInt8(2))], opset: 10)[0]
        #expect(try y.scalars(of: Int32.self) == [2 * 3 + 3 * 4])
    }

    @Test func convIntegerAndBadScale() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [UInt8(1), 2, 3, 4])
        let w = try Tensor(shape: [1, 1, 1, 1], scalars: [UInt8(2)])
        let y = try runNode("ConvInteger", [x, w, Tensor(scalar: UInt8(1))], opset: 10)[0]
        #expect(try y.scalars(of: Int32.self) == [0, 2, 4, 6])
        #expect(throws: (any Error).self) {
            try runNode("QuantizeLinear", [try f32([2], [1, 2]), try f32([3], [1, 1, 1])], opset: 19)
        }
    }

    @Test func quantizeToInt4AndFloat8AndBack() throws {
        let x = try f32([4], [0, 5, 40, -40])
        let zp4 = try Tensor(shape: [], scalars: [Int32(1)]).cast(to: .int4)
        let q = try runNode("QuantizeLinear", [x, try f32([], [2]), zp4], opset: 21)[0]
        #expect(q.dtype == .int4 && q.int64Array() == [1, 3, 7, -8])
        let d = try runNode("DequantizeLinear", [q, try f32([], [2]), zp4], opset: 21)[0]
        #expect(try d.scalars(of: Float.self) == [0, 4, 12, -18])
        let zp8 = try f32([], [0]).cast(to: .float8e4m3fn)
        let f8 = try runNode("QuantizeLinear", [try f32([3], [2, 2000, 7]), try f32([], [2]), zp8], opset: 21)[0]
        #expect(f8.dtype == .float8e4m3fn && f8.floatArray() == [1, 448, 3.5])
        let nosat = try runNode("QuantizeLinear", [try f32([1], [2000]), try f32([], [2]), zp8],
                                attributes: [Attribute(name: "saturate", value: .int(0))], opset: 21)[0]
        #expect(nosat.floatArray()[0].isNaN)
        let back = try runNode("DequantizeLinear", [f8, try f32([], [0.5])], opset: 21)[0]
        #expect(try back.scalars(of: Float.self) == [0.5, 224, 1.75])
    }
}
