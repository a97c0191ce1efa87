import Foundation
import SurgeonTensor

/// Sqrt: elementwise square root of a floating-point tensor.
enum Sqrt {
    static func register(_ r: inout OpRegistry) {
        r.register("Sqrt", since: 1) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "Sqrt", SqrtF.self, { Foundation.sqrt($0) }))]
        }
    }
}

enum SqrtF: FloatUnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x.squareRoot() } }
