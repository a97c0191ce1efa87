import SurgeonTensor

/// DynamicQuantizeLinear (opset 11): uint8 quantization with scale and zero point computed
/// from the data range (always including 0). Outputs y, y_scale, y_zero_point.
enum DynamicQuantizeLinear {
    static func register(_ r: inout OpRegistry) {
        r.register("DynamicQuantizeLinear", since: 11) { ctx in
            let x = try ctx.tensor(0)
            try requireFloat(x, "DynamicQuantizeLinear", "x")
            let (y, scale, zp) = try fast(x) ?? plain(x)
            return [.tensor(y), .tensor(scale), .tensor(zp)]
        }
    }

    /// The range's scale and zero point: `(max(0, max x) - min(0, min x)) / 255` (1/255 for
    /// an all-zero range) and `saturate(round_half_even(-min / scale))`.
    static func parameters(min lo: Float, max hi: Float) -> (scale: Float, zp: Float) {
        let mx = max(0, hi), mn = min(0, lo)
        let scale: Float = (mx == mn ? 1 : mx - mn) / 255
        let zp = min(255, max(0, (0 - mn / scale))).rounded(.toNearestOrEven)
        return (scale, zp)
    }

    /// Any float type, element by element.
    static func plain(_ x: Tensor) throws -> (Tensor, Tensor, Tensor) {
        let v = x.floatArray()
        let (scale, zp) = parameters(min: v.min() ?? 0, max: v.max() ?? 0)
        let y = v.map { e -> UInt8 in
            let q = (e / scale).rounded(.toNearestOrEven) + zp
            return q.isNaN ? 0 : UInt8(min(255, max(0, q)))
        }
        return (try Tensor(shape: x.shape, scalars: y), try Tensor(floats: [scale], shape: [], dtype: x.dtype),
                Tensor(scalar: UInt8(zp)))
    }

    /// float32 x without NaN or infinities: the range in one vectorised pass, then the
    /// quantization with the scalar scale and zero point (the same formula and bits as `plain`):
    /// CPackedGemm's kernels split among the threads (`QuantizeU8`), else the Swift range scan
    /// and QuantizeLinear's typed loop. nil when the plain path must run.
    static func fast(_ x: Tensor, level: Int = QuantizeU8.level) throws -> (Tensor, Tensor, Tensor)? {
        guard x.dtype == .float32, x.count > 0 else { return nil }
        let p = try elementPointer(x, Float.self)
        let n = x.count
        let found: (Float, Float)? = withExtendedLifetime(x) {
            switch QuantizeU8.range(p, n, level: level) {
            case let .finite(lo, hi): return (lo, hi)
            case .notFinite: return nil
            case .unavailable: return finiteRange(p, n)
            }
        }
        guard let (lo, hi) = found else { return nil }
        let (scale, zp) = parameters(min: lo, max: hi)
        let st = try Tensor(floats: [scale], shape: [], dtype: .float32)
        let zt = Tensor(scalar: UInt8(zp))
        if level > 0 {
            let (buf, dst, _) = try newOutput(x.shape, UInt8.self)
            let done = withExtendedLifetime(x) { QuantizeU8.quantize(p, n, scale: scale, zeroPoint: zp, into: dst, level: level) }
            if done { return (Tensor(dtype: .uint8, shape: x.shape, buffer: buf), st, zt) }
        }
        guard let y = try QuantizeLinear.fast(x: x, scale: st, zp: zt, outType: .uint8, axis: 1, block: 0) else { return nil }
        return (y, st, zt)
    }

    /// min and max of `n > 0` floats, nil if any is NaN or infinite. SIMD4 with explicit
    /// selects (one SSE register; SIMD8's pointwiseMin is several times slower without AVX).
    static func finiteRange(_ p: UnsafePointer<Float>, _ n: Int) -> (Float, Float)? {
        typealias V = SIMD4<Float>
        var lo0 = V(repeating: p[0]), hi0 = lo0, lo1 = lo0, hi1 = lo0
        // x - x is 0 for finite x and NaN for NaN and infinities: accumulating it keeps NaN.
        var bad = V(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            let w = UnsafeRawPointer(p + i + 4).loadUnaligned(as: V.self)
            lo0 = lo0.replacing(with: v, where: v .< lo0)
            hi0 = hi0.replacing(with: v, where: v .> hi0)
            lo1 = lo1.replacing(with: w, where: w .< lo1)
            hi1 = hi1.replacing(with: w, where: w .> hi1)
            bad += (v - v) + (w - w)
            i += 8
        }
        lo0 = lo0.replacing(with: lo1, where: lo1 .< lo0)
        hi0 = hi0.replacing(with: hi1, where: hi1 .> hi0)
        var l = lo0.min(), h = hi0.max(), b = bad.sum()
        while i < n {
            let v = p[i]
            l = Swift.min(l, v); h = Swift.max(h, v); b += v - v
            i += 1
        }
        return b == 0 ? (l, h) : nil
    }
}
