import SurgeonTensor

/// QuantizeLinear (opset 10, 13, 19, 21): `saturate(round_half_even(x / scale) + zero_point)`
/// to int8/uint8/int16/uint16/int4/uint4/int2/uint2 (the zero point's type, else
/// `output_dtype`, else uint8); per-tensor, per-axis or blocked scales. `x / scale` is
/// computed in x's precision. For float8/float4e2m1 outputs, `x / scale + zero_point` is
/// rounded to the format (nearest even); `saturate` (default 1) clamps float8 overflow to the
/// largest finite value, else it becomes inf/NaN. float4e2m1 always saturates.
enum QuantizeLinear {
    static func register(_ r: inout OpRegistry) {
        r.register("QuantizeLinear", since: 10) { ctx in
            let x = try ctx.tensor(0), scale = try ctx.tensor(1), zp = try ctx.optionalTensor(2)
            guard x.dtype.isFloatingPoint || x.dtype == .int32 else { throw ctx.error("x must be float or int32, got \(x.typeDescription)") }
            var outType = try ctx.dtype("output_dtype", .uint8)
            if let zp {
                if ctx.has("output_dtype") && zp.dtype != outType { throw ctx.error("output_dtype differs from the zero point type") }
                outType = zp.dtype
            }
            let floatOut = outType.isNarrowFloat && outType != .float8e8m0
            guard floatOut || [.int8, .uint8, .int16, .uint16, .int32, .int4, .uint4, .int2, .uint2].contains(outType) else {
                throw ctx.error("unsupported output type \(outType)")
            }
            let saturate = try ctx.int("saturate", 1) != 0
            let axis = try ctx.int("axis", 1), block = try ctx.int("block_size", 0)
            let si = try quantParamIndices(scale, xShape: x.shape, axis: axis, blockSize: block, op: "QuantizeLinear")
            if let zp, zp.shape != scale.shape && zp.count != scale.count { throw ctx.error("zero point and scale shapes differ") }
            let s = scale.doubleArray(), z = zeroPoints(zp)
            let xv = x.doubleArray()
            let single = x.dtype == .float32 || x.dtype == .float16 || x.dtype == .bfloat16
            let (lo, hi) = integerRange(outType)
            var out = [Double](repeating: 0, count: xv.count)
            if floatOut {
                for i in 0..<xv.count {
                    let q = single ? Double(Float(xv[i]) / Float(s[si[i]])) : xv[i] / s[si[i]]
                    out[i] = q + (z.count == 1 ? z[0] : z[si[i]])
                }
                return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: outType, saturate: saturate))]
            }
            for i in 0..<xv.count {
                let q = single ? Double(Float(xv[i]) / Float(s[si[i]])) : xv[i] / s[si[i]]
                let v = q.rounded(.toNearestOrEven) + (z.count == 1 ? z[0] : z[si[i]])
                out[i] = v.isNaN ? 0 : min(max(v, lo), hi)
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: outType))]
        }
    }
}
