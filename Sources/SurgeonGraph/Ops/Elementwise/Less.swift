import SurgeonTensor

/// Less: elementwise `A < B` with numpy broadcasting, giving bool.
enum Less {
    static func register(_ r: inout OpRegistry) {
        r.register("Less", since: 1) { ctx in
            [.tensor(try compareOp(
                ctx.tensor(0), ctx.tensor(1), "Less",
                double: { $0 < $1 }, int: { $0 < $1 }, uint: { $0 < $1 }))]
        }
    }
}
