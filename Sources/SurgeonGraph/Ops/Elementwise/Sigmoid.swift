import Foundation
import SurgeonTensor

/// Sigmoid: elementwise logistic function `1 / (1 + exp(-x))` of a floating-point tensor.
enum Sigmoid {
    static func register(_ r: inout OpRegistry) {
        r.register("Sigmoid", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Sigmoid", { sigmoidF($0) }, { sigmoidD($0) }))]
        }
    }
}
