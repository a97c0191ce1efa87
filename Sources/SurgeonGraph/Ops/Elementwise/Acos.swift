import Foundation
import SurgeonTensor

/// Acos: elementwise arccosine of a floating-point tensor.
enum Acos {
    static func register(_ r: inout OpRegistry) {
        r.register("Acos", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Acos", { Foundation.acos($0) }, { Foundation.acos($0) }))]
        }
    }
}
