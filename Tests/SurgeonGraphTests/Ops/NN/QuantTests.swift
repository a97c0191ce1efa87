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
}
