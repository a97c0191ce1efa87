import SurgeonTensor

/// QLinearConv (opset 10): integer convolution of zero-point-shifted x and w (plus int32 bias),
/// rescaled by `x_scale * w_scale / y_scale` (w_scale scalar or per output channel), shifted by
/// y_zero_point, saturated and rounded half to even.
enum QLinearConv {
    static func register(_ r: inout OpRegistry) {
        r.register("QLinearConv", since: 10) { ctx in
            let x = try ctx.tensor(0), xScale = try ctx.tensor(1), xZp = try ctx.optionalTensor(2)
            let w = try ctx.tensor(3), wScale = try ctx.tensor(4), wZp = try ctx.optionalTensor(5)
            let yScale = try ctx.tensor(6), yZp = try ctx.optionalTensor(7), bias = try ctx.optionalTensor(8)
            guard xScale.count == 1, yScale.count == 1 else { throw ctx.error("x_scale and y_scale must be scalars") }
            let m = w.rank > 0 ? w.shape[0] : 0
            guard wScale.count == 1 || wScale.count == m else { throw ctx.error("w_scale must be a scalar or have \(m) values") }
            var (y, shape) = try ConvInteger.integerConv(ctx: ctx, x: x, w: w, xZp: xZp, wZp: wZp)
            let per = shape.count > 2 ? shape[2...].reduce(1, *) : 1
            if let bias {
                let bv = bias.doubleArray()
                guard bv.count == m else { throw ctx.error("B needs \(m) values") }
                for i in 0..<y.count { y[i] += bv[(i / per) % m] }
            }
            let xs = xScale.floatArray()[0], ys = yScale.floatArray()[0]
            let mults = wScale.floatArray().map { Double(xs * $0 / ys) }
            let outType = yZp?.dtype ?? x.dtype
            let z = yZp?.doubleArray().first ?? 0
            let (lo, hi) = integerRange(outType)
            for i in 0..<y.count {
                let mult = mults.count == 1 ? mults[0] : mults[(i / per) % m]
                y[i] = min(max(y[i] * mult + z, lo), hi).rounded(.toNearestOrEven)
            }
            return [.tensor(try Tensor(doubles: y, shape: shape, dtype: outType))]
        }
    }
}
