import SurgeonTensor

/// RandomUniformLike: uniform values in [low, high) with the input's shape (and dtype, unless
/// `dtype` is given).
enum RandomUniformLike {
    static func register(_ r: inout OpRegistry) {
        r.register("RandomUniformLike", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let dtype = try cfRandomDType(ctx, x.dtype)
            let low = Double(try ctx.float("low", 0)), high = Double(try ctx.float("high", 1))
            var rng = try CFRandom(ctx)
            let v = (0..<x.count).map { _ in low + (high - low) * rng.uniform() }
            return [.tensor(try Tensor(doubles: v, shape: x.shape, dtype: dtype))]
        }
    }
}
