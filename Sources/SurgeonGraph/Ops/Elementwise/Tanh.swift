import Foundation
import SurgeonTensor

/// Tanh: elementwise hyperbolic tangent of a floating-point tensor. float32 uses `tanhF`
/// (branch-free, vectorised, parallel); float64 and the yardstick use libm.
enum Tanh {
    static func register(_ r: inout OpRegistry) {
        r.register("Tanh", since: 1) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "Tanh", TanhF.self, { Foundation.tanh($0) }))]
        }
    }
}

enum TanhF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { tanhF(x) }
    @inline(__always) static var vector: VectorMath.Function? { .tanh }
}

/// `tanh(x)` for float32 without calls or branches, so loops over it vectorise. |x| < 0.5:
/// the odd Taylor series to x^15 (truncation below 1e-8 relative); otherwise
/// `1 - 2 / (exp(2|x|) + 1)` with `fastExpF` (within a few ulp: at |x| = 0.5 the subtraction
/// loses less than one bit), the sign put back. NaN stays NaN, ±inf give ±1, -0 stays -0.
@inline(__always)
func tanhF(_ x: Float) -> Float {
    let ax = Swift.abs(x)
    let z = x * x
    // x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 + 21844x^13/6081075 - 929569x^15/638512875
    var s: Float = -929569.0 / 638512896  // 638512875 rounded to float, as it always was
    s = s * z + 21844.0 / 6081075
    s = s * z - 1382.0 / 155925
    s = s * z + 62.0 / 2835
    s = s * z - 17.0 / 315
    s = s * z + 2.0 / 15
    s = s * z - 1.0 / 3
    // x (1 + z s), not x + x z s: keeps the sign of -0.
    let small = x * (1 + z * s)
    let big = 1 - 2 / (fastExpF(2 * ax) + 1)
    let signedBig = x < 0 ? -big : big
    return ax < 0.5 ? small : (x.isNaN ? x : signedBig)
}
