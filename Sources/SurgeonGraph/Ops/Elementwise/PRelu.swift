import SurgeonTensor

/// PRelu: `x` for x >= 0, `slope * x` below, with `slope` broadcast to X (opset 16 adds
/// integer types).
enum PRelu {
    static func register(_ r: inout OpRegistry) {
        r.register("PRelu", since: 1) { ctx in
            let x = try ctx.tensor(0), slope = try ctx.tensor(1)
            return [.tensor(try binaryNumeric(
                x, slope, "PRelu",
                float: { $0 < 0 ? $0 * $1 : $0 }, double: { $0 < 0 ? $0 * $1 : $0 },
                int: { $0 < 0 ? $0 &* $1 : $0 }, uint: { a, _ in a }))]
        }
    }
}
