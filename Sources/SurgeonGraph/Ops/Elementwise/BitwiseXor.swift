import SurgeonTensor

/// BitwiseXor: elementwise bitwise xor of two integer tensors, with numpy broadcasting.
enum BitwiseXor {
    static func register(_ r: inout OpRegistry) {
        r.register("BitwiseXor", since: 18) { ctx in
            [.tensor(try binaryInteger(ctx.tensor(0), ctx.tensor(1), "BitwiseXor", int: { $0 ^ $1 }, uint: { $0 ^ $1 }))]
        }
    }
}
