import SurgeonTensor

/// Add: `A + B` with numpy broadcasting (opset 7 on; 14 adds int8/16, uint8/16, bfloat16).
/// Integers wrap on overflow.
enum Add {
    static func register(_ r: inout OpRegistry) {
        r.register("Add", since: 1) { ctx in
            [.tensor(try binaryNumericFast(
                ctx.tensor(0), ctx.tensor(1), "Add", AddF.self,
                float: { $0 + $1 }, double: { $0 + $1 }, int: { $0 &+ $1 }, uint: { $0 &+ $1 }))]
        }
    }
}
