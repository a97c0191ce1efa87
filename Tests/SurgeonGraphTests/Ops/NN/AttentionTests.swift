import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AttentionTests {
    @Test func softmaxWeightsValues() throws {
        let q = try f32([1, 1, 1, 2], [1, 0])
        let k = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let v = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let y = try runNode("Attention", [q, k, v], opset: 23)[0]
        let p0 = Float(exp(1 / 2.0.squareRoot()) / (exp(1 / 2.0.squareRoot()) + 1))
        let want = try f32([1, 1, 1, 2], [p0 * 1 + (1 - p0) * 3, p0 * 2 + (1 - p0) * 4])
        #expect(isClose(y, want))
    }

    @Test func causalFirstRowSeesOnlyFirstKey() throws {
        let q = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let k = try f32([1, 1, 2, 2], [1, 0, 0, 1])
        let v = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let y = try runNode("Attention", [q, k, v], attributes: [Attribute(name: "is_causal", value: .int(1))], opset: 23)[0]
        let vals = try y.scalars(of: Float.self)
        #expect(vals[0] == 1 && vals[1] == 2)
        #expect(vals[2] > 2 && vals[2] < 3)
    }

    @Test func badHeadCountIsAnError() throws {
        let q = try f32([1, 2, 5], Array(repeating: 0, count: 10))
        #expect(throws: (any Error).self) {
            try runNode("Attention", [q, q, q], attributes: [Attribute(name: "q_num_heads", value: .int(3)),
                                                             Attribute(name: "kv_num_heads", value: .int(3))], opset: 23)
        }
    }

    /// The float32 rows (plain loops) against the general rows, which float64 inputs take:
    /// both compute in Float with the same operations, so the results are equal; with a
    /// mask, causal masking, grouped heads, a fully masked row and the qk output.
    @Test func float32RowsMatchGeneralRows() throws {
        func vals(_ n: Int, _ seed: Int) -> [Float] { (0..<n).map { Float((($0 + seed) * 7919) % 101) * 0.05 - 2.5 } }
        let q = try f32([1, 4, 3, 4], vals(48, 1)), k = try f32([1, 2, 5, 4], vals(40, 2)), v = try f32([1, 2, 5, 3], vals(30, 3))
        var maskValues = vals(15, 4)
        for j in 0..<5 { maskValues[5 + j] = -.infinity }  // row 1 sees nothing
        let mask = try f32([1, 1, 3, 5], maskValues)
        for mode in [0, 1, 2, 3] {
            let attrs = [Attribute(name: "is_causal", value: .int(1)), Attribute(name: "qk_matmul_output_mode", value: .int(mode))]
            let y32 = try runNode("Attention", [q, k, v, mask], attributes: attrs, outputs: 4, opset: 23)
            let y64 = try runNode("Attention", [q, k, v, mask].map { try $0.cast(to: .float64) }, attributes: attrs, outputs: 4, opset: 23)
            for o in [0, 3] {
                #expect(try y32[o].scalars(of: Float.self) == y64[o].cast(to: .float32).scalars(of: Float.self), "mode \(mode) output \(o)")
            }
            #expect(y32[1].shape == [1, 2, 5, 4] && y32[2].shape == [1, 2, 5, 3])
        }
        let plain = try runNode("Attention", [q, k, v], opset: 23)
        #expect(plain.count == 1 && plain[0].shape == [1, 4, 3, 3])
    }
}

