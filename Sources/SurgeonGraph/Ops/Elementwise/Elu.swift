import Foundation
import SurgeonTensor

/// Elu: `x` for x >= 0, `alpha * (exp(x) - 1)` below (alpha 1 by default).
enum Elu {
    static func register(_ r: inout OpRegistry) {
        r.register("Elu", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 1)
            let a = Double(alpha)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "Elu",
                { $0 < 0 ? alpha * Foundation.expm1($0) : $0 }, { $0 < 0 ? a * Foundation.expm1($0) : $0 }))]
        }
    }
}
