import SurgeonTensor

/// Relu: `max(x, 0)` (NaN stays NaN); opset 14 adds signed integer types.
enum Relu {
    static func register(_ r: inout OpRegistry) {
        r.register("Relu", since: 1) { ctx in
            [.tensor(try unaryNumeric(
                ctx.tensor(0), "Relu", float: { $0 < 0 ? 0 : $0 }, double: { $0 < 0 ? 0 : $0 },
                int: { $0 > 0 ? $0 : 0 }, uint: nil))]
        }
    }
}
