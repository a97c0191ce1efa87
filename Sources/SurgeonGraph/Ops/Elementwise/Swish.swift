import SurgeonTensor

/// Swish: `x * sigmoid(alpha * x)` (alpha 1 by default).
enum Swish {
    static func register(_ r: inout OpRegistry) {
        r.register("Swish", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 1)
            let a = Double(alpha)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "Swish", { $0 * sigmoidF(alpha * $0) }, { $0 * sigmoidD(a * $0) }))]
        }
    }
}
