import Foundation
import SurgeonTensor

/// Tanh: elementwise hyperbolic tangent of a floating-point tensor.
enum Tanh {
    static func register(_ r: inout OpRegistry) {
        r.register("Tanh", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Tanh", { Foundation.tanh($0) }, { Foundation.tanh($0) }))]
        }
    }
}
