import SurgeonTensor

/// Sign: elementwise -1, 0 or 1 by the sign of any numeric tensor (NaN stays NaN).
enum Sign {
    static func register(_ r: inout OpRegistry) {
        r.register("Sign", since: 9) { ctx in
            [.tensor(try unaryNumeric(
                ctx.tensor(0), "Sign",
                float: { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? $0 : 0)) },
                double: { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? $0 : 0)) },
                int: { $0.signum() }, uint: { $0 > 0 ? 1 : 0 }))]
        }
    }
}
