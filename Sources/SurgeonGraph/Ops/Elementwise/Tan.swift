import Foundation
import SurgeonTensor

/// Tan: elementwise tangent of a floating-point tensor.
enum Tan {
    static func register(_ r: inout OpRegistry) {
        r.register("Tan", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Tan", { Foundation.tan($0) }, { Foundation.tan($0) }))]
        }
    }
}
