import Foundation
import SurgeonTensor

/// Cosh: elementwise hyperbolic cosine of a floating-point tensor.
enum Cosh {
    static func register(_ r: inout OpRegistry) {
        r.register("Cosh", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Cosh", { Foundation.cosh($0) }, { Foundation.cosh($0) }))]
        }
    }
}
