import SurgeonTensor

/// BitwiseOr: elementwise bitwise or of two integer tensors, with numpy broadcasting.
enum BitwiseOr {
    static func register(_ r: inout OpRegistry) {
        r.register("BitwiseOr", since: 18) { ctx in
            [.tensor(try binaryInteger(ctx.tensor(0), ctx.tensor(1), "BitwiseOr", int: { $0 | $1 }, uint: { $0 | $1 }))]
        }
    }
}
