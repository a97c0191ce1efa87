import SurgeonTensor

/// SoftmaxCrossEntropyLoss: NegativeLogLikelihoodLoss of LogSoftmax(scores) over axis 1;
/// scores (N, C, d...), labels (N, d...), optional weights (C), `ignore_index`, `reduction`
/// none / sum / mean. Second (optional) output: the log-probabilities.
enum SoftmaxCrossEntropyLoss {
    static func register(_ r: inout OpRegistry) {
        r.register("SoftmaxCrossEntropyLoss", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs floating-point scores, got \(x.dtype)") }
            guard x.rank >= 2 else { throw ctx.error("scores need rank 2 or more, got \(x.typeDescription)") }
            let n = x.shape[0], c = x.shape[1], d = extent(x.shape, 2, x.rank)
            let v = x.doubleArray()
            var logp = [Double](repeating: 0, count: v.count)
            v.withUnsafeBufferPointer { src in
                logp.withUnsafeMutableBufferPointer { dst in
                    softmaxBlocks(src, dst, outer: n, r: c, inner: d, log: true)
                }
            }
            let loss = try nllLoss(
                logp: logp, inputShape: x.shape, target: ctx.tensor(1), weight: ctx.optionalTensor(2),
                ignoreIndex: ctx.intIfPresent("ignore_index"), reduction: ctx.string("reduction", "mean"),
                dtype: x.dtype, op: "SoftmaxCrossEntropyLoss")
            return [.tensor(loss), .tensor(try Tensor(doubles: logp, shape: x.shape, dtype: x.dtype))]
        }
    }
}
