import Foundation
import SurgeonTensor

/// Ceil: elementwise ceiling of a floating-point tensor.
enum Ceil {
    static func register(_ r: inout OpRegistry) {
        r.register("Ceil", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Ceil", { $0.rounded(.up) }, { $0.rounded(.up) }))]
        }
    }
}
