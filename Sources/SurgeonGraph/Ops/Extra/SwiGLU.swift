import Foundation
import SurgeonTensor

/// SwiGLU (opset 28): `A * sigmoid(alpha * A) * B` for equal-shaped A and B (no broadcasting);
/// for reduced floats the sigmoid and the swish product are rounded to the input type, as the
/// reference does.
enum SwiGLU {
    static func register(_ r: inout OpRegistry) {
        r.register("SwiGLU", since: 28) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            guard a.shape == b.shape, a.dtype == b.dtype else {
                throw ctx.error("A \(a.typeDescription) and B \(b.typeDescription) must have one shape and type")
            }
            let alpha = try ctx.float("alpha", 1)
            switch a.dtype.computeClass {
            case .float64:
                let al = Double(alpha)
                return [.tensor(try map2(a, b, Double.self, Double.self, Double.self) { x, y in
                    x * (1 / (1 + exp(-al * x))) * y
                })]
            case .float32, .reducedFloat:
                let dt = a.dtype
                let r = try map2(a.cast(to: .float32), b.cast(to: .float32), Float.self, Float.self, Float.self) { x, y in
                    // Each numpy step rounds to the input type.
                    let e = ExtraSupport.round(exp(ExtraSupport.round(-alpha * x, to: dt)), to: dt)
                    let s = ExtraSupport.round(1 / ExtraSupport.round(1 + e, to: dt), to: dt)
                    return ExtraSupport.round(x * s, to: dt) * y
                }
                return [.tensor(dt == .float32 ? r : try r.cast(to: dt))]
            default:
                throw ctx.error("needs floating-point inputs, got \(a.dtype)")
            }
        }
    }
}
