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
                let kf = Float(k)
                return [.tensor(try unaryFloat(
                    x, "Gelu",
                    { 0.5 * $0 * (1 + Foundation.tanh(kf * ($0 + 0.044715 * $0 * $0 * $0))) },
                    { 0.5 * $0 * (1 + Foundation.tanh(k * ($0 + 0.044715 * $0 * $0 * $0))) }))]
            case let other:
                throw ctx.error("approximate must be 'none' or 'tanh', got '\(other)'")
            }
        }
    }
}

/// Gelu with erf for float32, through `erfF`.
enum GeluErfF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { 0.5 * x * (1 + erfF(x * 0.70710678118654752)) }
}
