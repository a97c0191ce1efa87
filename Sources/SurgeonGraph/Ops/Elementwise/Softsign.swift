import Foundation
import SurgeonTensor

/// Softsign: elementwise softsign `x / (1 + |x|)` of a floating-point tensor.
enum Softsign {
    static func register(_ r: inout OpRegistry) {
        r.register("Softsign", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Softsign", { $0 / (1 + Swift.abs($0)) }, { $0 / (1 + Swift.abs($0)) }))]
        }
    }
}
