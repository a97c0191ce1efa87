import SurgeonTensor

/// Sub: `A - B` with numpy broadcasting; integers wrap on overflow.
enum Sub {
    static func register(_ r: inout OpRegistry) {
        r.register("Sub", since: 1) { ctx in
            [.tensor(try binaryNumericFast(
                ctx.tensor(0), ctx.tensor(1), "Sub", SubF.self,
                float: { $0 - $1 }, double: { $0 - $1 }, int: { $0 &- $1 }, uint: { $0 &- $1 }))]
        }
    }
}
