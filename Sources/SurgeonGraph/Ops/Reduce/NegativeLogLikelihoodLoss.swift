import SurgeonTensor

/// NegativeLogLikelihoodLoss: input (N, C, d...) of log-probabilities, target (N, d...) class
/// indices, optional weight (C); `loss = -input[n, target, d] * weight[target]`, 0 where the
/// target is `ignore_index`; `reduction` none / sum / mean (mean divides by the summed weights).
enum NegativeLogLikelihoodLoss {
    static func register(_ r: inout OpRegistry) {
        r.register("NegativeLogLikelihoodLoss", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point input, got \(x.dtype)") }
            let loss = try nllLoss(
                logp: x.doubleArray(), inputShape: x.shape, target: ctx.tensor(1), weight: ctx.optionalTensor(2),
                ignoreIndex: ctx.intIfPresent("ignore_index"), reduction: ctx.string("reduction", "mean"),
                dtype: x.dtype, op: "NegativeLogLikelihoodLoss")
            return [.tensor(loss)]
        }
    }
}
