import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AttentionFloatTests {
    static func vals(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float((($0 + seed) * 7919) % 101) * 0.05 - 2.5 } }

    /// The fast kernel (one named output) against the plain kernel (taken when present_key is
    /// named too): bit-identical first outputs, with bool and float masks of several broadcast
    /// shapes (one shorter than the keys), causal masking, grouped heads, two batches, an
    /// explicit scale and a fully masked row.
    @Test func fastPathMatchesPlainKernel() throws {
        let q = try f32([2, 4, 3, 4], Self.vals(96, 1)), k = try f32([2, 2, 5, 4], Self.vals(80, 2))
        let v = try f32([2, 2, 5, 3], Self.vals(60, 3))
        var floatMask = Self.vals(15, 4)
        for j in 0..<5 { floatMask[5 + j] = -.infinity }  // row 1 sees nothing
        let boolValues = (0..<30).map { $0 % 3 != 1 }
        let masks: [Tensor?] = [
            nil,
            try f32([1, 1, 3, 5], floatMask),
            try f32([3, 4], Self.vals(12, 5)),  // shorter than the 5 keys: the rest are masked
            try Tensor(shape: [2, 1, 3, 5], scalars: boolValues),
            try Tensor(shape: [5], scalars: [true, false, true, true, false]),
        ]
        for mask in masks {
            for causal in [0, 1] {
                for scale: Float? in [nil, 0.3] {
                    var attrs = [Attribute(name: "is_causal", value: .int(causal))]
                    if let scale { attrs.append(Attribute(name: "scale", value: .float(scale))) }
                    let inputs: [Tensor?] = mask == nil ? [q, k, v] : [q, k, v, mask]
                    let fast = try runNode("Attention", inputs, attributes: attrs, outputs: 1, opset: 23)[0]
                    let plain = try runNode("Attention", inputs, attributes: attrs, outputs: 2, opset: 23)[0]
                    #expect(fast.shape == [2, 4, 3, 3])
                    let a = try fast.scalars(of: Float.self), b = try plain.scalars(of: Float.self)
                    #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "mask \(mask?.shape ?? []) causal \(causal) scale \(String(describing: scale))")
                }
            }
        }
    }

    /// Forms the fast kernel leaves to the plain one still run (and still fail) there.
    @Test func otherFormsGoPlain() throws {
        let q = try f32([1, 2, 6], Self.vals(12, 1))
        let attrs = [Attribute(name: "q_num_heads", value: .int(2)), Attribute(name: "kv_num_heads", value: .int(2))]
        #expect(try runNode("Attention", [q, q, q], attributes: attrs, opset: 23)[0].shape == [1, 2, 6])
        let q4 = try f32([1, 2, 2, 3], Self.vals(12, 1)), k4 = try f32([1, 2, 2, 4], Self.vals(16, 2))
        #expect(throws: (any Error).self) { try runNode("Attention", [q4, k4, k4], opset: 23) }
    }
}
