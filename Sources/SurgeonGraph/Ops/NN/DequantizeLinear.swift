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
            guard outType == .float32 || outType == .float16 || outType == .bfloat16 || outType == .float64 else {
                throw ctx.error("output type \(outType) is not float32, float16 or bfloat16 (set output_dtype)")
            }
            let axis = try ctx.int("axis", 1), block = try ctx.int("block_size", 0)
            if let zp, zp.count != scale.count { throw ctx.error("zero point and scale shapes differ") }
            if let y = try fast(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: block) {
                return [.tensor(y)]
            }
            return [.tensor(try plain(x: x, scale: scale, zp: zp, outType: outType, axis: axis, block: block))]
        }
    }

    /// Any supported types and layouts, in Double.
    static func plain(x: Tensor, scale: Tensor, zp: Tensor?, outType: DType, axis: Int, block: Int) throws -> Tensor {
        let si = try quantParamIndices(scale, xShape: x.shape, axis: axis, blockSize: block, op: "DequantizeLinear")
        let s = scale.doubleArray(), z = zeroPoints(zp)
        let xv = x.doubleArray()
        let single = outType != .float64
        var out = [Double](repeating: 0, count: xv.count)
        for i in 0..<xv.count {
            let d = xv[i] - (z.count == 1 ? z[0] : z[si[i]])
            out[i] = single ? Double(Float(d) * Float(s[si[i]])) : d * s[si[i]]
        }
        return try Tensor(doubles: out, shape: x.shape, dtype: outType)
    }

    /// float32 scale and output, x int8/uint8/int16/uint16/int32, per-tensor or per-axis
    /// (not blocked): `Float(x - zp) * scale` in one typed loop, as the general path computes
    /// it. nil when the general path must run.
    static func fast(x: Tensor, scale: Tensor, zp: Tensor?, outType: DType, axis: Int, block: Int) throws -> Tensor? {
        guard block <= 0, scale.dtype == .float32, outType == .float32 else { return nil }
        if let zp, zp.dtype != x.dtype { return nil }
        guard let layout = try QuantLayout(scale: scale, xShape: x.shape, axis: axis, op: "DequantizeLinear") else { return nil }
        switch x.dtype {
        case .int8: return try run(x, Int8.self, scale, zp, layout)
        case .uint8: return try run(x, UInt8.self, scale, zp, layout)
        case .int16: return try run(x, Int16.self, scale, zp, layout)
        case .uint16: return try run(x, UInt16.self, scale, zp, layout)
        case .int32: return try run(x, Int32.self, scale, zp, layout)
        default: return nil
        }
    }

    private static func run<S: TensorScalar & FixedWidthInteger>(
        _ x: Tensor, _ type: S.Type, _ scale: Tensor, _ zp: Tensor?, _ layout: QuantLayout
    ) throws -> Tensor {
        let s = try quantParameter(scale, Float.self) { $0 }
        let z: [Int64] = try zp.map { try quantParameter($0, S.self) { Int64($0) } } ?? [0]
        let px = try elementPointer(x, S.self)
        let (buf, dst, _) = try newOutput(x.shape, Float.self)
        let narrow = S.bitWidth <= 16
        if layout.expands {
            let sE = layout.expanded(s), zE = layout.expanded(z).map { Int32(truncatingIfNeeded: $0) }
            withExtendedLifetime(x) {
                sE.withUnsafeBufferPointer { sp in
                    zE.withUnsafeBufferPointer { zp in
                        layout.forEachBlock { range in
                            let o = range.lowerBound
                            if narrow {
                                for j in 0..<range.count { dst[o + j] = Float(Int32(truncatingIfNeeded: px[o + j]) &- zp[j]) * sp[j] }
                            } else {
                                for j in 0..<range.count { dst[o + j] = Float(Int64(px[o + j]) - Int64(zp[j])) * sp[j] }
                            }
                        }
                    }
                }
            }
            return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
        }
        withExtendedLifetime(x) {
            layout.forEachRun { channel, range in
                let sc = s[channel], zc = z.count == 1 ? z[0] : z[channel]
                if narrow {
                    // Int32 differences convert to float with packed instructions.
                    let z32 = Int32(truncatingIfNeeded: zc)
                    for i in range { dst[i] = Float(Int32(truncatingIfNeeded: px[i]) &- z32) * sc }
                } else {
                    for i in range { dst[i] = Float(Int64(px[i]) - zc) * sc }
                }
            }
        }
        return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
    }
}
