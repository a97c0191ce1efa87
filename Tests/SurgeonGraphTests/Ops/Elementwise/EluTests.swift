@testable import SurgeonGraph
import Foundation
import SurgeonTensor
import Testing
import TestSupport

@Suite struct EluTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-2.0, -0.5, 0.0, 0.25, 1.5])
        let y = try runNode("Elu", [x], attributes: [Attribute(name: "alpha", value: .float(2))], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-1.7293294668197632, -0.7869386672973633, 0.0, 0.25, 1.5])))
    }

    /// The branch-free float32 Elu against libm's expm1 (in Double) from -100 to 3, tiny
    /// negatives (where exp(x) - 1 would cancel) and the switch at -0.35 included; NaN and
    /// infinities pass through as Elu's definition says.
    @Test func fastFloat32MatchesExpm1() throws {
        var xs: [Float] = stride(from: Float(-100), through: 3, by: 0.0137).map { $0 }
        xs += [-1e-30, -1e-7, -1e-4, -0.01, -0.3499, -0.35, -0.3501, -87.5, -88, 0, .leastNonzeroMagnitude]
        for alpha: Float in [1, 0.3] {
            let y = try runNode("Elu", [try f32([xs.count], xs)], attributes: [Attribute(name: "alpha", value: .float(alpha))])[0]
            let got = try y.scalars(of: Float.self)
            var worst = 0.0
            for (x, v) in zip(xs, got) {
                let want = x < 0 ? Double(alpha) * Foundation.expm1(Double(x)) : Double(x)
                worst = max(worst, abs(Double(v) - want) / (3e-8 + abs(want)))
            }
            #expect(worst < 1e-6, "alpha \(alpha): relative error \(worst)")
        }
        let special = try runNode("Elu", [try f32([3], [.nan, .infinity, -.infinity])])[0].scalars(of: Float.self)
        #expect(special[0].isNaN && special[1] == .infinity && special[2] == -1)
    }
}
