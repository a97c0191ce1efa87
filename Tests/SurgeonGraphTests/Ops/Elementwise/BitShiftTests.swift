import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BitShiftTests {
    @Test func leftAndRightUnsigned() throws {
        let x = try Tensor(shape: [3], scalars: [UInt8(16), 4, 255]), s = try Tensor(shape: [3], scalars: [UInt8(1), 2, 9])
        let l = try runNode("BitShift", [x, s], attributes: [Attribute(name: "direction", value: .string("LEFT"))])[0]
        let r = try runNode("BitShift", [x, s], attributes: [Attribute(name: "direction", value: .string("RIGHT"))])[0]
        #expect(try l.scalars(of: UInt8.self) == [32, 16, 0])
        #expect(try r.scalars(of: UInt8.self) == [8, 1, 0])
    }

    @Test func signedRightShiftKeepsSign() throws {
        let x = try Tensor(shape: [3], scalars: [Int8(-8), -1, 64]), s = try Tensor(shape: [3], scalars: [Int8(1), 9, 1])
        let r = try runNode("BitShift", [x, s], attributes: [Attribute(name: "direction", value: .string("RIGHT"))], opset: 26)[0]
        let l = try runNode("BitShift", [x, s], attributes: [Attribute(name: "direction", value: .string("LEFT"))], opset: 26)[0]
        #expect(try r.scalars(of: Int8.self) == [-4, -1, 32])
        #expect(try l.scalars(of: Int8.self) == [-16, 0, -128])
    }
}
