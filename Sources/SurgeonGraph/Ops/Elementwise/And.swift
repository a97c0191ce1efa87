import SurgeonTensor

/// And: elementwise logical and of two bool tensors, with numpy broadcasting.
enum AndOp {
    static func register(_ r: inout OpRegistry) {
        r.register("And", since: 1) { ctx in
            [.tensor(try binaryBool(ctx.tensor(0), ctx.tensor(1), "And") { $0 && $1 })]
        }
    }
}
