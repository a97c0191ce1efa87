import Foundation
import SurgeonTensor

/// Erf: elementwise error function of a floating-point tensor. float32 uses `erfF`
/// (branch-free, vectorised, parallel); float64 and the yardstick use libm.
enum Erf {
    static func register(_ r: inout OpRegistry) {
        r.register("Erf", since: 9) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "Erf", ErfF.self, { Foundation.erf($0) }))]
        }
    }
}

enum ErfF: FloatUnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { erfF(x) } }

/// `erf(x)` for float32 without calls or branches, so loops over it vectorise. |x| < 0.5:
/// Taylor series to x^15 (relative error about 1 ulp); otherwise Abramowitz & Stegun 7.1.26,
/// `1 - t(a1 + t(a2 + ...)) exp(-x^2)` with `t = 1 / (1 + p|x|)` (absolute error below
/// 1.5e-7 plus float rounding), with `fastExpF`. NaN stays NaN, ±inf give ±1.
@inline(__always)
func erfF(_ x: Float) -> Float {
    let ax = Swift.abs(x)
    let z = x * x
    // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320 + x^13/9360 - x^15/75600)
    var s: Float = -1.0 / 75600
    s = s * z + 1.0 / 9360
    s = s * z - 1.0 / 1320
    s = s * z + 1.0 / 216
    s = s * z - 1.0 / 42
    s = s * z + 1.0 / 10
    s = s * z - 1.0 / 3
    s = s * z + 1
    let small = 1.1283791670955126 * x * s
    let big = 1 - erfcPolynomialAS(ax) * fastExpF(-z)
    let signedBig = x < 0 ? -big : big
    return ax < 0.5 ? small : (x.isNaN ? x : signedBig)
}

/// Abramowitz & Stegun 7.1.26 without its exponential: `t(a1 + t(a2 + ... + t a5))` with
/// `t = 1 / (1 + p u)`, so that erfc(u) ≈ erfcPolynomialAS(u) · exp(-u²) for u ≥ 0 (absolute
/// error below 1.5e-7). Shared by `erfF` and Gelu's erf form.
@inline(__always)
func erfcPolynomialAS(_ u: Float) -> Float {
    let t = 1 / (1 + 0.3275911 * u)
    var q: Float = 1.061405429
    q = q * t - 1.453152027
    q = q * t + 1.421413741
    q = q * t - 0.284496736
    q = q * t + 0.254829592
    return q * t
}
