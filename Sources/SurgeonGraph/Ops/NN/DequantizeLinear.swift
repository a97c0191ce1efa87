import SurgeonTensor

/// DequantizeLinear (opset 10, 13, 19, 21, 23): `(x - zero_point) * scale`, in the scale's type
/// (or `output_dtype`); per-tensor, per-axis or blocked scales.
enum DequantizeLinear {
    static func register(_ r: inout OpRegistry) {
        r.register("DequantizeLinear", since: 10) { ctx in
            let x = try ctx.tensor(0), scale = try ctx.tensor(1), zp = try ctx.optionalTensor(2)
            guard x.dtype.isInteger else { throw ctx.error("x must be an integer tensor, got \(x.typeDescription)") }
            try requireFloat(scale, "DequantizeLinear", "x_scale")
            let outType = try ctx.dtype("output_dtype", scale.dtype)
            let axis = try ctx.int("axis", 1), block = try ctx.int("block_size", 0)
            let si = try quantParamIndices(scale, xShape: x.shape, axis: axis, blockSize: block, op: "DequantizeLinear")
            if let zp, zp.count != scale.count { throw ctx.error("zero point and scale shapes differ") }
            let s = scale.doubleArray(), z = zeroPoints(zp)
            let xv = x.doubleArray()
            let single = outType != .float64
            var out = [Double](repeating: 0, count: xv.count)
            for i in 0..<xv.count {
                let d = xv[i] - (z.count == 1 ? z[0] : z[si[i]])
                out[i] = single ? Double(Float(d) * Float(s[si[i]])) : d * s[si[i]]
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: outType))]
        }
    }
}
