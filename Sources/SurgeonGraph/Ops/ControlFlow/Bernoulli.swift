import SurgeonTensor

/// Bernoulli: 1 with the probability each input element gives, else 0; output dtype from the
/// `dtype` attribute or the input's.
enum Bernoulli {
    static func register(_ r: inout OpRegistry) {
        r.register("Bernoulli", since: 15) { ctx in
            let p = try ctx.tensor(0)
            guard p.dtype.isFloatingPoint else { throw ctx.error("needs floating-point probabilities, got \(p.dtype)") }
            let dtype = try ctx.dtype("dtype", p.dtype)
            var rng = try CFRandom(ctx)
            let v = p.doubleArray().map { rng.uniform() < $0 ? 1.0 : 0.0 }
            return [.tensor(try Tensor(doubles: v, shape: p.shape, dtype: dtype))]
        }
    }
}
