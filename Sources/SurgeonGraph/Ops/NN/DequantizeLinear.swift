import SurgeonTensor

/// DequantizeLinear (opset 10, 13, 19, 21, 23): `(x - zero_point) * scale`, in the scale's type
/// (or `output_dtype`); per-tensor, per-axis or blocked scales. x may be any integer type
/// (including int4/uint4/int2/uint2) or float8/float4e2m1 (the zero point is then normally 0).
enum DequantizeLinear {
    static func register(_ r: inout OpRegistry) {
        r.register("DequantizeLinear", since: 10) { ctx in
            let x = try ctx.tensor(0), scale = try ctx.tensor(1), zp = try ctx.optionalTensor(2)
            guard x.dtype.isInteger || (x.dtype.isNarrowFloat && x.dtype != .float8e8m0) else {
                throw ctx.error("x must be an integer or float8/float4 tensor, got \(x.typeDescription)")
            }
            try requireFloat(scale, "DequantizeLinear", "x_scale")
            let outType = try ctx.dtype("output_dtype", scale.dtype)
            guard [.float32, .float16, .bfloat16, .float64].contains(outType) else {
                throw ctx.error("output type \(outType) is not float32, float16 or bfloat16 (set output_dtype)")
            }
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
