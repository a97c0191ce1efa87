import Foundation
import SurgeonTensor

/// Exp: elementwise exponential of a floating-point tensor.
enum Exp {
    static func register(_ r: inout OpRegistry) {
        r.register("Exp", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Exp", { Foundation.exp($0) }, { Foundation.exp($0) }))]
        }
    }
}
