@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct HardSwishTests {
    @Test func float32Values() throws {
        let x = try f32([5], [-4.0, -1.0, 0.0, 1.0, 4.0])
        let y = try runNode("HardSwish", [x], opset: 18)[0]
        #expect(isClose(y, try f32([5], [-0.0, -0.3333333432674408, 0.0, 0.6666666865348816, 4.0])))
    }

    /// The float32 fast path against the general kernel's formula, bit for bit, over a dense
    /// sweep with ±inf, NaN, -0 and large magnitudes, above the parallel threshold.
    @Test func fastPathMatchesGeneralKernel() throws {
        let v = FastFloatTests.values(300_007).map { $0 * 0.7 } + [.nan, .infinity, -.infinity, -0.0, 3, -3, 1e30, -1e30]
        let x = try f32([v.count], v)
        let y = try runNode("HardSwish", [x], opset: 18)[0]
        let plain = try emap1(x, Float.self, Float.self) { $0 * Swift.max(0, Swift.min(1, $0 * (1 / 6 as Float) + 0.5)) }
        #expect(try FastFloatTests.sameBits(y, plain))
        let tail = try y.scalars(of: Float.self).suffix(8).map { $0 }
        #expect(tail[0].isNaN && tail[1] == .infinity && tail[2].isNaN && tail[4] == 3 && tail[5] == 0)
    }
}
