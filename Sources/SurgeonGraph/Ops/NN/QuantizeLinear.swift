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
            guard floatOut || integerOutput(outType) else { throw ctx.error("unsupported output type \(outType)") }
            let saturate = try ctx.int("saturate", 1) != 0
            let axis = try ctx.int("axis", 1), block = try ctx.int("block_size", 0)
            if let zp, zp.shape != scale.shape && zp.count != scale.count { throw ctx.error("zero point and scale shapes differ") }
            if !floatOut, let y = try fast(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: block) {
                return [.tensor(y)]
            }
            return [.tensor(try plain(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: block, saturate: saturate))]
        }
    }

    /// The integer output types (a switch: an array literal's `contains` allocated per call).
    static func integerOutput(_ t: DType) -> Bool {
        switch t {
        case .int8, .uint8, .int16, .uint16, .int32, .int4, .uint4, .int2, .uint2: return true
        default: return false
        }
    }

    /// Any supported types and layouts, in Double.
    static func plain(x: Tensor, scale: Tensor, zp: Tensor?, outType: DType, axis: Int, block: Int, saturate: Bool) throws -> Tensor {
        let floatOut = outType.isNarrowFloat && outType != .float8e8m0
        let si = try quantParamIndices(scale, xShape: x.shape, axis: axis, blockSize: block, op: "QuantizeLinear")
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
            return try Tensor(doubles: out, shape: x.shape, dtype: outType, saturate: saturate)
        }
        for i in 0..<xv.count {
            let q = single ? Double(Float(xv[i]) / Float(s[si[i]])) : xv[i] / s[si[i]]
            let v = q.rounded(.toNearestOrEven) + (z.count == 1 ? z[0] : z[si[i]])
            out[i] = v.isNaN ? 0 : min(max(v, lo), hi)
        }
        return try Tensor(doubles: out, shape: x.shape, dtype: outType)
    }

    /// float32 x and scale, int8/uint8/int16/uint16 output, per-tensor or per-axis (not
    /// blocked): `x / scale` in float32, rounded half to even, plus the zero point, saturated
    /// (NaN gives 0), as the general path computes it, with the rounding and the conversion
    /// done on float bits so the loop vectorises. nil when the general path must run.
    static func fast(x: Tensor, scale: Tensor, zp: Tensor?, outType: DType, axis: Int, block: Int) throws -> Tensor? {
        guard block <= 0, x.dtype == .float32, scale.dtype == .float32 else { return nil }
        guard let layout = try QuantLayout(scale: scale, xShape: x.shape, axis: axis, op: "QuantizeLinear") else { return nil }
        switch outType {
        case .int8: return try run(x, scale, zp, layout, Int8.self)
        case .uint8: return try run(x, scale, zp, layout, UInt8.self)
        case .int16: return try run(x, scale, zp, layout, Int16.self)
        case .uint16: return try run(x, scale, zp, layout, UInt16.self)
        default: return nil
        }
    }

    private static func run<R: TensorScalar & FixedWidthInteger>(
        _ x: Tensor, _ scale: Tensor, _ zp: Tensor?, _ layout: QuantLayout, _ type: R.Type
    ) throws -> Tensor {
        let s = try quantParameter(scale, Float.self) { $0 }
        let z: [Float] = try zp.map { try quantParameter($0, R.self) { Float($0) } } ?? [0]
        let px = try elementPointer(x, Float.self)
        // 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer (ties to
        // even, the default rounding mode), which then sits in the low mantissa bits. Larger
        // magnitudes round coarser but stay past the clamp bounds (every step is monotonic).
        let magic: Float = 12_582_912
        let magicBits = Int32(bitPattern: magic.bitPattern)
        let lo = Float(R.min) + magic, hi = Float(R.max) + magic
        let (buf, dst, _) = try newOutput(x.shape, R.self)
        if layout.expands {
            let sE = layout.expanded(s), zE = layout.expanded(z)
            withExtendedLifetime(x) {
                sE.withUnsafeBufferPointer { sp in
                    zE.withUnsafeBufferPointer { zp in
                        layout.forEachBlock { range in
                            let o = range.lowerBound
                            for j in 0..<range.count {
                                let q = px[o + j] / sp[j]
                                var t = (q + magic) + zp[j]
                                t = t < lo ? lo : t
                                t = t > hi ? hi : t
                                let v = Int32(bitPattern: t.bitPattern) &- magicBits
                                dst[o + j] = R(truncatingIfNeeded: q == q ? v : 0)
                            }
                        }
                    }
                }
            }
            return Tensor(dtype: R.dtype, shape: x.shape, buffer: buf)
        }
        // uint8 with one scale and zero point: quantize_u8.c's kernel (the product by the
        // reciprocal, divided only near half-integers: the same bits as the loop below).
        if R.self == UInt8.self, s.count == 1, z.count == 1, z[0] >= 0, z[0] <= 255 {
            let bytes = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: UInt8.self)
            let done = withExtendedLifetime(x) { QuantizeU8.quantize(px, x.count, scale: s[0], zeroPoint: z[0], into: bytes) }
            if done { return Tensor(dtype: R.dtype, shape: x.shape, buffer: buf) }
        }
        withExtendedLifetime(x) {
            layout.forEachRun { channel, range in
                let sc = s[channel], zc = z.count == 1 ? z[0] : z[channel]
                for i in range {
                    let q = px[i] / sc
                    var t = (q + magic) + zc
                    t = t < lo ? lo : t
                    t = t > hi ? hi : t
                    let v = Int32(bitPattern: t.bitPattern) &- magicBits
                    dst[i] = R(truncatingIfNeeded: q == q ? v : 0)  // NaN gives 0
                }
            }
        }
        return Tensor(dtype: R.dtype, shape: x.shape, buffer: buf)
    }
}
