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

/// Gelu with erf for float32, without calls or branches (vectorises): `0.5 x (1 + erf(x/√2))`
/// with `erfRationalF` (a NaN x gives NaN through the product, +inf gives +inf, -inf NaN
/// as in 0.5·x·(1 + erf) anywhere). Against the double formula: absolute error below
/// 2.1e-7 · max(1, |x|), within 3 ulp for x > 0 (1 + erf cancels for x < 0, as in every
/// 0.5·x·(1 + erf) form, so ulp there are not meaningful; absolute error is).
enum GeluErfF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float {
        0.5 * x * (1 + erfRationalF(x * 0.70710678118654752))
    }
    @inline(__always) static var vector: VectorMath.Function? { .geluErf }
}

/// Gelu with tanh for float32, through `tanhF`.
enum GeluTanhF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float {
        0.5 * x * (1 + tanhF(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
    @inline(__always) static var vector: VectorMath.Function? { .geluTanh }
}
