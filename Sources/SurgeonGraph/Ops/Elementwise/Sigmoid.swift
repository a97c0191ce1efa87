import Foundation
import SurgeonTensor

/// Sigmoid: elementwise logistic function `1 / (1 + exp(-x))` of a floating-point tensor.
enum Sigmoid {
    static func register(_ r: inout OpRegistry) {
        r.register("Sigmoid", since: 1) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "Sigmoid", SigmoidF.self, { sigmoidD($0) }))]
        }
    }
}

enum SigmoidF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { sigmoidF(x) }
    @inline(__always) static var vector: VectorMath.Function? { .sigmoid }
}
