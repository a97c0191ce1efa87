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

enum ErfF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { erfF(x) }
    @inline(__always) static var vector: VectorMath.Function? { .erf }
}

/// `erf(x)` for float32 without calls or branches, so loops over it vectorise (4 lanes on
/// the default x86-64 target): `erfRationalF`, with NaN kept. Against libm's double erf,
/// absolute error below 5e-7 everywhere (about 7 ulp of values near ±1) and relative error
/// below 3e-7 for |x| < 0.5; ±inf give ±1, -0 stays -0.
@inline(__always)
func erfF(_ x: Float) -> Float {
    let r = erfRationalF(x)
    return x.isNaN ? x : r
}

/// `erf(x) ≈ x P(x²) / Q(x²)` with x clamped to [-4.17, 4.17], the result clamped to
/// [-1, 1], and exactly ±1 from |x| = 3.92 on (where erf rounds to ±1 in float32). P, Q:
/// degree 5 in x², a relative-error fit (Sanathanan-Koerner iteration with Lawson weights,
/// numpy, double) of erf(x)/x on [0, 4.17]: 4.3e-8 relative in exact arithmetic; float32
/// Horner rounding brings the total to the bounds of `erfF`. One division, no exp, no table:
/// ~35 vector instructions for 4 values where the Abramowitz & Stegun form it replaced (a
/// division and an exp) took ~85. A NaN gives ±1: callers that must keep NaN check it
/// (`erfF`; Gelu multiplies by x).
@inline(__always)
func erfRationalF(_ x0: Float) -> Float {
    // x < c ? x : c and x > -c ? x : -c are single minps / maxps (NaN becomes the bound).
    let a = x0 < 4.17 ? x0 : 4.17
    let x = a > -4.17 ? a : -4.17
    let z = x * x
    var p: Float = 1.866494813e-06
    p = p * z + 2.862144320e-04
    p = p * z + 4.179143347e-03
    p = p * z + 5.401288718e-02
    p = p * z + 2.011322230e-01
    p = p * z + 1.128379107
    var q: Float = 3.625078534e-05
    q = q * z + 1.247591805e-03
    q = q * z + 1.580918767e-02
    q = q * z + 1.184011996e-01
    q = q * z + 5.115808249e-01
    q = q * z + 1
    let e = x * p / q
    let lo = e < 1 ? e : 1
    let r = lo > -1 ? lo : -1
    // From 3.92 on, erf rounds to ±1 in float32: exactly that (the fit is a few ulp below).
    let one = Float(bitPattern: (x0.bitPattern & 0x8000_0000) | 0x3F80_0000)
    return Swift.abs(x0) >= 3.92 ? one : r
}
