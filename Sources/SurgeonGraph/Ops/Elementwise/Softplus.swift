import Foundation
import SurgeonTensor

/// Softplus: elementwise softplus `log(exp(x) + 1)` of a floating-point tensor.
enum Softplus {
    static func register(_ r: inout OpRegistry) {
        r.register("Softplus", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Softplus", { softplusF($0) }, { softplusD($0) }))]
        }
    }
}
