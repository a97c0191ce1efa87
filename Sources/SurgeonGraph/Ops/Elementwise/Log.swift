import Foundation
import SurgeonTensor

/// Log: elementwise natural logarithm of a floating-point tensor.
enum Log {
    static func register(_ r: inout OpRegistry) {
        r.register("Log", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Log", { Foundation.log($0) }, { Foundation.log($0) }))]
        }
    }
}
