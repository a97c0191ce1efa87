import SurgeonTensor

/// Abs: elementwise absolute value of any numeric tensor (the most negative integer stays as is).
enum Abs {
    static func register(_ r: inout OpRegistry) {
        r.register("Abs", since: 1) { ctx in
            [.tensor(try unaryNumeric(
                ctx.tensor(0), "Abs", float: { Swift.abs($0) }, double: { Swift.abs($0) },
                int: { $0 < 0 ? 0 &- $0 : $0 }, uint: { $0 }))]
        }
    }
}
