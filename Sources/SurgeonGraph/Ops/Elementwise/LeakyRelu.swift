import SurgeonTensor

/// LeakyRelu: `x` for x >= 0, `alpha * x` below (alpha 0.01 by default).
enum LeakyRelu {
    static func register(_ r: inout OpRegistry) {
        r.register("LeakyRelu", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 0.01)
            let a = Double(alpha)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "LeakyRelu", { $0 < 0 ? alpha * $0 : $0 }, { $0 < 0 ? a * $0 : $0 }))]
        }
    }
}
