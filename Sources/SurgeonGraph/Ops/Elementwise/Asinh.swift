import Foundation
import SurgeonTensor

/// Asinh: elementwise inverse hyperbolic sine of a floating-point tensor.
enum Asinh {
    static func register(_ r: inout OpRegistry) {
        r.register("Asinh", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Asinh", { Foundation.asinh($0) }, { Foundation.asinh($0) }))]
        }
    }
}
