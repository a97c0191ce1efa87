import SurgeonTensor

/// Xor: elementwise logical exclusive or of two bool tensors, with numpy broadcasting.
enum XorOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Xor", since: 1) { ctx in
            [.tensor(try binaryBool(ctx.tensor(0), ctx.tensor(1), "Xor") { $0 != $1 })]
        }
    }
}
