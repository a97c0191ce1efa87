import Foundation
import SurgeonTensor

/// Cos: elementwise cosine of a floating-point tensor.
enum Cos {
    static func register(_ r: inout OpRegistry) {
        r.register("Cos", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Cos", { Foundation.cos($0) }, { Foundation.cos($0) }))]
        }
    }
}
