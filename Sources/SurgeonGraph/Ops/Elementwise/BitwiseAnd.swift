import SurgeonTensor

/// BitwiseAnd: elementwise bitwise and of two integer tensors, with numpy broadcasting.
enum BitwiseAnd {
    static func register(_ r: inout OpRegistry) {
        r.register("BitwiseAnd", since: 18) { ctx in
            [.tensor(try binaryInteger(ctx.tensor(0), ctx.tensor(1), "BitwiseAnd", int: { $0 & $1 }, uint: { $0 & $1 }))]
        }
    }
}
