import SurgeonGraph
import SurgeonTensor
import Foundation
import Testing
import TestSupport

@Suite struct SoftmaxTests {
    @Test func lastAxisFromOpset13() throws {
        let x = try f32([2, 2], [0, 0, 1000, 1000 + Float(log(3.0))])
        let out = try runNode("Softmax", [x], opset: 13)[0]
        #expect(isClose(out, try f32([2, 2], [0.5, 0.5, 0.25, 0.75])))
    }

    @Test func maskedScoresGiveExactZeros() throws {
        // Long enough rows for the vectorised path.
        var v = [Float](repeating: -Float.infinity, count: 16)
        v[3] = 2; v[12] = 2
        let out = try runNode("Softmax", [try f32([1, 16], v)], opset: 13)[0]
        let expected = (0..<16).map { $0 == 3 || $0 == 12 ? Float(0.5) : 0 }
        #expect(try out.scalars(of: Float.self) == expected)
    }

    @Test func innerAxisAndOldCoercion() throws {
        let x = try f32([2, 2], [1, 1, 3, 3])
        // opset 13, axis 0: per column.
        let a = try runNode("Softmax", [x], attributes: [Attribute(name: "axis", value: .int(0))], opset: 13)[0]
        let e = Float(1 / (1 + exp(2.0)))
        #expect(isClose(a, try f32([2, 2], [e, e, 1 - e, 1 - e])))
        // opset 11, axis 0: the whole tensor is one row.
        let b = try runNode("Softmax", [x], attributes: [Attribute(name: "axis", value: .int(0))], opset: 11)[0]
        let s = Float(2 + 2 * exp(2.0))
        #expect(isClose(b, try f32([2, 2], [1 / s, 1 / s, Float(exp(2.0)) / s, Float(exp(2.0)) / s])))
    }
}
