import Foundation
import SurgeonTensor

/// Mish: elementwise mish `x * tanh(softplus(x))` of a floating-point tensor.
enum Mish {
    static func register(_ r: inout OpRegistry) {
        r.register("Mish", since: 18) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Mish", { $0 * Foundation.tanh(softplusF($0)) }, { $0 * Foundation.tanh(softplusD($0)) }))]
        }
    }
}
