import Foundation
import SurgeonTensor

/// Reciprocal: elementwise reciprocal `1 / x` of a floating-point tensor.
enum Reciprocal {
    static func register(_ r: inout OpRegistry) {
        r.register("Reciprocal", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Reciprocal", { 1 / $0 }, { 1 / $0 }))]
        }
    }
}
