import Foundation
import SurgeonTensor

/// Floor: elementwise floor of a floating-point tensor.
enum Floor {
    static func register(_ r: inout OpRegistry) {
        r.register("Floor", since: 1) { ctx in
            [.tensor(try unaryFloat(ctx.tensor(0), "Floor", { $0.rounded(.down) }, { $0.rounded(.down) }))]
        }
    }
}
