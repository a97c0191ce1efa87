import Foundation
import SurgeonTensor

/// Round: elementwise rounding to the nearest integer, halves to even of a floating-point tensor.
enum Round {
    static func register(_ r: inout OpRegistry) {
        r.register("Round", since: 11) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Round", { $0.rounded(.toNearestOrEven) }, { $0.rounded(.toNearestOrEven) }))]
        }
    }
}
