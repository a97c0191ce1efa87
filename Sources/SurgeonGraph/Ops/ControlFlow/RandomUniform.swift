import SurgeonTensor

/// RandomUniform: a tensor of `shape` with values uniform in [low, high).
enum RandomUniform {
    static func register(_ r: inout OpRegistry) {
        r.register("RandomUniform", since: 1) { ctx in
            let shape = try cfShapeAttribute(ctx)
            let dtype = try cfRandomDType(ctx, .float32)
            let low = Double(try ctx.float("low", 0)), high = Double(try ctx.float("high", 1))
            var rng = try CFRandom(ctx)
            let n = try Tensor.checkedCount(shape, dtype: dtype)
            let v = (0..<n).map { _ in low + (high - low) * rng.uniform() }
            return [.tensor(try Tensor(doubles: v, shape: shape, dtype: dtype))]
        }
    }
}
