import SurgeonTensor

/// Equal: elementwise `A == B` with numpy broadcasting, giving bool.
enum Equal {
    static func register(_ r: inout OpRegistry) {
        r.register("Equal", since: 1) { ctx in
            [.tensor(try compareOp(
                ctx.tensor(0), ctx.tensor(1), "Equal",
                double: { $0 == $1 }, int: { $0 == $1 }, uint: { $0 == $1 }, string: { $0 == $1 }))]
        }
    }
}
