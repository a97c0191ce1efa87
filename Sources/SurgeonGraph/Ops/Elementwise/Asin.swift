import Foundation
import SurgeonTensor

/// Asin: elementwise arcsine of a floating-point tensor.
enum Asin {
    static func register(_ r: inout OpRegistry) {
        r.register("Asin", since: 7) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Asin", { Foundation.asin($0) }, { Foundation.asin($0) }))]
        }
    }
}
