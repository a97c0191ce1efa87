import SurgeonTensor

/// GreaterOrEqual: elementwise `A >= B` with numpy broadcasting, giving bool.
enum GreaterOrEqual {
    static func register(_ r: inout OpRegistry) {
        r.register("GreaterOrEqual", since: 1) { ctx in
            [.tensor(try compareOp(
                ctx.tensor(0), ctx.tensor(1), "GreaterOrEqual",
                double: { $0 >= $1 }, int: { $0 >= $1 }, uint: { $0 >= $1 }))]
        }
    }
}
