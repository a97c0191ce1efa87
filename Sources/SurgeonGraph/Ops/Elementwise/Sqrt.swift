import Foundation
import SurgeonTensor

/// Sqrt: elementwise square root of a floating-point tensor.
enum Sqrt {
    static func register(_ r: inout OpRegistry) {
        r.register("Sqrt", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Sqrt", { Foundation.sqrt($0) }, { Foundation.sqrt($0) }))]
        }
    }
}
