import SurgeonTensor

/// RandomNormalLike: normal values of `mean` and `scale` with the input's shape (and dtype,
/// unless `dtype` is given).
enum RandomNormalLike {
    static func register(_ r: inout OpRegistry) {
        r.register("RandomNormalLike", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let dtype = try cfRandomDType(ctx, x.dtype)
            let mean = Double(try ctx.float("mean", 0)), scale = Double(try ctx.float("scale", 1))
            var rng = try CFRandom(ctx)
            let v = (0..<x.count).map { _ in mean + scale * rng.normal() }
            return [.tensor(try Tensor(doubles: v, shape: x.shape, dtype: dtype))]
        }
    }
}
