import Foundation
import SurgeonTensor

/// Erf: elementwise error function of a floating-point tensor.
enum Erf {
    static func register(_ r: inout OpRegistry) {
        r.register("Erf", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Erf", { Foundation.erf($0) }, { Foundation.erf($0) }))]
        }
    }
}
