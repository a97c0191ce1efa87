import SurgeonTensor

/// Not: elementwise logical negation of a bool tensor.
enum NotOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Not", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype == .bool else { throw ctx.error("needs a bool tensor, got \(x.dtype)") }
            return [.tensor(try emap1(x, Bool.self, Bool.self) { !$0 })]
        }
    }
}
