import SurgeonTensor

/// Greater: elementwise `A > B` with numpy broadcasting, giving bool.
enum Greater {
    static func register(_ r: inout OpRegistry) {
        r.register("Greater", since: 1) { ctx in
            [.tensor(try compareOp(
                ctx.tensor(0), ctx.tensor(1), "Greater",
                double: { $0 > $1 }, int: { $0 > $1 }, uint: { $0 > $1 }))]
        }
    }
}
