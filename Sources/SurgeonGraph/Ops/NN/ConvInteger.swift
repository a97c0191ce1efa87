import SurgeonTensor

/// ConvInteger (opset 10): convolution of `x - x_zero_point` and `w - w_zero_point` (scalar or
/// per output channel) accumulated exactly (float64 im2col + dgemm), output int32.
enum ConvInteger {
    static func register(_ r: inout OpRegistry) {
        r.register("ConvInteger", since: 10) { ctx in
            let x = try ctx.tensor(0), w = try ctx.tensor(1)
            guard x.dtype.isInteger, w.dtype.isInteger else { throw ctx.error("x and w must be integer tensors") }
            let y = try integerConv(ctx: ctx, x: x, w: w, xZp: ctx.optionalTensor(2), wZp: ctx.optionalTensor(3))
            return [.tensor(try Tensor(doubles: y.values, shape: y.shape, dtype: .int32))]
        }
    }

    /// The shifted convolution as doubles and its output shape.
    static func integerConv(ctx: OpContext, x: Tensor, w: Tensor, xZp: Tensor?, wZp: Tensor?) throws -> (values: [Double], shape: [Int]) {
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        var xv = x.doubleArray(), wv = w.doubleArray()
        if let xZp {
            guard xZp.count == 1 else { throw ctx.error("x_zero_point must be a scalar") }
            let z = xZp.doubleArray()[0]
            for i in 0..<xv.count { xv[i] -= z }
        }
        if let wZp {
            let z = wZp.doubleArray()
            let m = w.shape[0], per = w.count / max(m, 1)
            guard z.count == 1 || z.count == m else { throw ctx.error("w_zero_point must be a scalar or have \(m) values") }
            for i in 0..<wv.count { wv[i] -= z.count == 1 ? z[0] : z[i / per] }
        }
        let y = try Conv.convFast(x: xv, xShape: x.shape, w: wv, wShape: w.shape, bias: nil, geom: geom, group: group)
        return (y, [x.shape[0], w.shape[0]] + geom.output)
    }
}
