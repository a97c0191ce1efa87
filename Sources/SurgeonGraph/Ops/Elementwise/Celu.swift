import Foundation
import SurgeonTensor

/// Celu: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (alpha 1 by default).
enum Celu {
    static func register(_ r: inout OpRegistry) {
        r.register("Celu", since: 12) { ctx in
            let alpha = try ctx.float("alpha", 1)
            guard alpha != 0 else { throw ctx.error("alpha must not be 0") }
            let a = Double(alpha)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "Celu",
                { Swift.max(0, $0) + Swift.min(0, alpha * Foundation.expm1($0 / alpha)) },
                { Swift.max(0, $0) + Swift.min(0, a * Foundation.expm1($0 / a)) }))]
        }
    }
}
