import Foundation
import SurgeonTensor

/// Acosh: elementwise inverse hyperbolic cosine of a floating-point tensor.
enum Acosh {
    static func register(_ r: inout OpRegistry) {
        r.register("Acosh", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Acosh", { Foundation.acosh($0) }, { Foundation.acosh($0) }))]
        }
    }
}
