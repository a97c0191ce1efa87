import Foundation
import SurgeonTensor

/// Sin: elementwise sine of a floating-point tensor.
enum Sin {
    static func register(_ r: inout OpRegistry) {
        r.register("Sin", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Sin", { Foundation.sin($0) }, { Foundation.sin($0) }))]
        }
    }
}
