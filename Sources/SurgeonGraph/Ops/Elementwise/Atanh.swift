import Foundation
import SurgeonTensor

/// Atanh: elementwise inverse hyperbolic tangent of a floating-point tensor.
enum Atanh {
    static func register(_ r: inout OpRegistry) {
        r.register("Atanh", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Atanh", { Foundation.atanh($0) }, { Foundation.atanh($0) }))]
        }
    }
}
