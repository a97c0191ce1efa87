import SurgeonTensor

/// Mul: `A * B` with numpy broadcasting; integers wrap on overflow.
enum Mul {
    static func register(_ r: inout OpRegistry) {
        r.register("Mul", since: 1) { ctx in
            [.tensor(try binaryNumericFast(
                ctx.tensor(0), ctx.tensor(1), "Mul", MulF.self,
                float: { $0 * $1 }, double: { $0 * $1 }, int: { $0 &* $1 }, uint: { $0 &* $1 }))]
        }
    }
}
