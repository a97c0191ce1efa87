import SurgeonTensor

/// Or: elementwise logical or of two bool tensors, with numpy broadcasting.
enum OrOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Or", since: 1) { ctx in
            [.tensor(try binaryBool(ctx.tensor(0), ctx.tensor(1), "Or") { $0 || $1 })]
        }
    }
}
