import SurgeonTensor

/// Inference BatchNormalization on float32, the fast kernel next to the plain loop in
/// `BatchNormalization.run`: the same per-channel `x * a + b` (a and b made in Double and
/// rounded to Float as there, the product and sum unfused, so the same bits), 16 lanes at a
/// time, planes split over the kernel threads, into an uninitialised output; then the plan's
/// per-value epilogues (a following Relu) on each plane while it is in cache. DenseNet's
/// pre-activation BatchNormalizations cannot fold into a convolution: 62 of them took 20 ms of
/// densenet121's run.
enum BatchNormalizationFloat {
    /// `x` ([N, C, ...] float32) normalised with per-channel `a`, `b` (C values each).
    static func run(_ x: Tensor, a: [Float], b: [Float], epilogue: TileEpilogueOffer?) throws -> Tensor {
        let nb = x.shape[0], c = x.shape[1]
        let spatial = x.shape[2...].reduce(1, *)
        let (buf, dst, count) = try newOutput(x.shape, Float.self)
        let tile = epilogue?.epilogue
        if count > 0 {
            try x.withUnsafeBuffer(of: Float.self) { src in
                guard let sb = src.baseAddress else { throw GraphError("BatchNormalization: X has no data") }
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        guard let ab = pa.baseAddress, let bb = pb.baseAddress else { return }
                        parallelItems(nb * c, costPerItem: spatial) { plane in
                            let ch = plane % c
                            plane16(sb + plane * spatial, dst + plane * spatial, spatial, ab[ch], bb[ch])
                            tile?.apply(dst + plane * spatial, spatial)
                        }
                    }
                }
            }
        }
        epilogue?.applied = tile != nil
        return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
    }

    /// d[i] = s[i] * ka + kb for i < n.
    @inline(__always)
    static func plane16(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, _ ka: Float, _ kb: Float) {
        let va = SIMD16<Float>(repeating: ka), vb = SIMD16<Float>(repeating: kb)
        var i = 0
        while i &+ 16 <= n {
            let v = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(d + i).storeBytes(of: v * va + vb, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { d[i] = s[i] * ka + kb; i &+= 1 }
    }
}
