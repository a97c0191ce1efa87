import Foundation
import SurgeonTensor

/// Sinh: elementwise hyperbolic sine of a floating-point tensor.
enum Sinh {
    static func register(_ r: inout OpRegistry) {
        r.register("Sinh", since: 9) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Sinh", { Foundation.sinh($0) }, { Foundation.sinh($0) }))]
        }
    }
}
