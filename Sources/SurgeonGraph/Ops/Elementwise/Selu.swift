import Foundation
import SurgeonTensor

/// Selu: `gamma * x` for x > 0, `gamma * alpha * (exp(x) - 1)` otherwise.
enum Selu {
    static func register(_ r: inout OpRegistry) {
        r.register("Selu", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 1.67326319217681884765625)
            let gamma = try ctx.float("gamma", 1.05070102214813232421875)
            let a = Double(alpha), g = Double(gamma)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "Selu",
                { $0 > 0 ? gamma * $0 : gamma * alpha * Foundation.expm1($0) },
                { $0 > 0 ? g * $0 : g * a * Foundation.expm1($0) }))]
        }
    }
}
