import SurgeonTensor

/// HardSigmoid: `max(0, min(1, alpha * x + beta))` (alpha 0.2, beta 0.5 by default).
enum HardSigmoid {
    static func register(_ r: inout OpRegistry) {
        r.register("HardSigmoid", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 0.2), beta = try ctx.float("beta", 0.5)
            let a = Double(alpha), b = Double(beta)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "HardSigmoid",
                { Swift.max(0, Swift.min(1, alpha * $0 + beta)) }, { Swift.max(0, Swift.min(1, a * $0 + b)) }))]
        }
    }
}
