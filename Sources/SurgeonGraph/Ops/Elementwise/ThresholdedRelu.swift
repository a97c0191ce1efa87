import SurgeonTensor

/// ThresholdedRelu: `x` where x > alpha, else 0 (alpha 1 by default).
enum ThresholdedRelu {
    static func register(_ r: inout OpRegistry) {
        r.register("ThresholdedRelu", since: 10) { ctx in
            let alpha = try ctx.float("alpha", 1)
            let a = Double(alpha)
            return [.tensor(try unaryFloat(
                ctx.tensor(0), "ThresholdedRelu", { $0 > alpha ? $0 : 0 }, { $0 > a ? $0 : 0 }))]
        }
    }
}
