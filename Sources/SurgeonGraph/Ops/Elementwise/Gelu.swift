import Foundation
import SurgeonTensor

/// Gelu: `0.5 * x * (1 + erf(x / sqrt(2)))`, or with `approximate="tanh"`
/// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
enum Gelu {
    static func register(_ r: inout OpRegistry) {
        r.register("Gelu", since: 20) { ctx in
            let x = try ctx.tensor(0)
            switch try ctx.string("approximate", "none") {
            case "none":
                let s = 1 / Double(2).squareRoot()
                return [.tensor(try unaryFloatFast(x, "Gelu", GeluErfF.self, { 0.5 * $0 * (1 + Foundation.erf($0 * s)) }))]
            case "tanh":
                let k = (2 / Double.pi).squareRoot()
                return [.tensor(try unaryFloatFast(
                    x, "Gelu", GeluTanhF.self,
                    { 0.5 * $0 * (1 + Foundation.tanh(k * ($0 + 0.044715 * $0 * $0 * $0))) }))]
            case let other:
                throw ctx.error("approximate must be 'none' or 'tanh', got '\(other)'")
            }
        }
    }
}

/// Gelu with erf for float32, without calls or branches: with u = |x|/√2,
/// `1 + erf(x/√2)` is `erfc(u)` for x < 0 and `2 - erfc(u)` otherwise, and erfc(u) is
/// Abramowitz & Stegun 7.1.26, `t(a1 + t(a2 + ...)) exp(-u²)` with `t = 1 / (1 + p u)`
/// (absolute error below 1.5e-7, so Gelu's relative error stays near that for every x; no
/// cancellation for negative x, where `1 + erf` is tiny). One exp and one division, about
/// half the work of going through `erfF`.
enum GeluErfF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float {
        let u = Swift.abs(x) * 0.70710678118654752
        let c = erfcPolynomialAS(u) * fastExpF(-0.5 * x * x)
        return 0.5 * x * (x < 0 ? c : 2 - c)
    }
}

/// Gelu with tanh for float32, through `tanhF`.
enum GeluTanhF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float {
        0.5 * x * (1 + tanhF(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
}
