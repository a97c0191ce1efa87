import SurgeonTensor

/// RandomNormal: a tensor of `shape` with normal values of `mean` and standard deviation `scale`.
enum RandomNormal {
    static func register(_ r: inout OpRegistry) {
        r.register("RandomNormal", since: 1) { ctx in
            let shape = try cfShapeAttribute(ctx)
            let dtype = try cfRandomDType(ctx, .float32)
            let mean = Double(try ctx.float("mean", 0)), scale = Double(try ctx.float("scale", 1))
            var rng = try CFRandom(ctx)
            let n = try Tensor.checkedCount(shape, dtype: dtype)
            let v = (0..<n).map { _ in mean + scale * rng.normal() }
            return [.tensor(try Tensor(doubles: v, shape: shape, dtype: dtype))]
        }
    }
}
