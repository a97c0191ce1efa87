import SurgeonTensor

/// QLinearMatMul (opset 10, 21): integer matmul of zero-point-shifted inputs, rescaled by
/// `a_scale * b_scale / y_scale` (computed in the scales' type, as the reference does),
/// shifted by y_zero_point, rounded half to even and saturated to the output type.
enum QLinearMatMul {
    static func register(_ r: inout OpRegistry) {
        r.register("QLinearMatMul", since: 10) { ctx in
            let a = try ctx.tensor(0), aScale = try ctx.tensor(1), aZp = try ctx.optionalTensor(2)
            let b = try ctx.tensor(3), bScale = try ctx.tensor(4), bZp = try ctx.optionalTensor(5)
            let yScale = try ctx.tensor(6), yZp = try ctx.optionalTensor(7)
            guard aScale.count == 1, bScale.count == 1 || bScale.rank == 1, yScale.count == 1 else {
                throw ctx.error("scales must be scalars (b_scale may be per column)")
            }
            let c = try MatMulInteger.integerMatMul(a, b, aZp, bZp)
            guard bScale.count == 1 || bScale.count == (c.shape.last ?? 1) else { throw ctx.error("b_scale must be a scalar or one value per column") }
            let rnd = roundingFunction(for: aScale.dtype)
            let asv = aScale.floatArray()[0], ysv = yScale.floatArray()[0]
            let mults = bScale.floatArray().map { Double(rnd(rnd(asv * $0) / ysv)) }
            let outType = yZp?.dtype ?? a.dtype
            let z = yZp?.doubleArray().first ?? 0
            let (lo, hi) = integerRange(outType)
            let n = c.shape.last ?? 1
            let cv = c.doubleArray()
            let out = cv.enumerated().map { i, v -> Double in
                let m = mults.count == 1 ? mults[0] : mults[i % n]
                return min(max((v * m + z).rounded(.toNearestOrEven), lo), hi)
            }
            return [.tensor(try Tensor(doubles: out, shape: c.shape, dtype: outType))]
        }
    }
}
