@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HardSigmoidTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-10.0, -1.0, 0.0, 1.0, 10.0])
        let y = try runNode("HardSigmoid", [x], attributes: [Attribute(name: "alpha", value: .float(0.5)), Attribute(name: "beta", value: .float(0.6))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [0.0, 0.10000000149011612, 0.6000000238418579, 1.0, 1.0])))
    }

    /// The float32 fast path (plain and gated, in place) against the general kernel's formula,
    /// bit for bit, over a dense sweep with ±inf, NaN, -0 and large magnitudes.
    @Test func fastPathMatchesGeneralKernel() throws {
        let v = FastFloatTests.values(300_007).map { $0 * 0.7 } + [.nan, .infinity, -.infinity, -0.0, 3, -3, 1e30, -1e30]
        let x = try f32([v.count], v)
        for (alpha, beta) in [(Float(0.2), Float(0.5)), (1.0 / 6, 0.5), (-0.3, 0.1)] {
            let y = try runNode("HardSigmoid", [x], attributes: [Attribute(name: "alpha", value: .float(alpha)),
                                                                 Attribute(name: "beta", value: .float(beta))], opset: 18)[0]
            let plain = v.map { Swift.max(0, Swift.min(1, alpha * $0 + beta)) }
            #expect(try FastFloatTests.sameBits(y, try f32([v.count], plain)), "\(alpha) \(beta)")
            var g = v
            g.withUnsafeMutableBufferPointer { b in
                if let p = b.baseAddress { hardSigmoidInPlaceF32(p, b.count, alpha: alpha, beta: beta, gated: true) }
            }
            let want = zip(v, plain).map { $0 * $1 }
            #expect(zip(g, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        }
    }
}
