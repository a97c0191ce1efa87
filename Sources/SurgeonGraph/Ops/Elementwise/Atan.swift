import Foundation
import SurgeonTensor

/// Atan: elementwise arctangent of a floating-point tensor.
enum Atan {
    static func register(_ r: inout OpRegistry) {
        r.register("Atan", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Atan", { Foundation.atan($0) }, { Foundation.atan($0) }))]
        }
    }
}
