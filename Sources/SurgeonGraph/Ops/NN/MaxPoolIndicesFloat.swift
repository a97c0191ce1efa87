import SurgeonTensor

/// MaxPool with its Indices output for float32, 1-D to 3-D windows: the fast kernel next to
/// the plain `poolND` (Double, tap lists built per output position: 0.3 ms for a 2x8x24x24
/// pool in the zoo's misc_ops, half of that model's run). Same results: the first largest tap
/// in row-major tap order (the last axis fastest), NaN wins (the first NaN), an empty window
/// gives 0 and the index of its plane's first element; indices flat over the whole tensor,
/// the spatial part column-major when `columnMajor` (storage_order 1).
enum MaxPoolIndicesFloat {
    /// (values, indices) of `x` (`[N, C, spatial...]`), or nil when the type, rank or
    /// geometry is not handled here.
    static func pool(_ x: Tensor, geom: SpatialGeometry, columnMajor: Bool) throws -> (values: Tensor, indices: Tensor)? {
        guard x.dtype == .float32, (3...5).contains(x.rank), geom.rank == x.rank - 2, geom.output.count == geom.rank else {
            return nil
        }
        let pad = 5 - x.rank
        let inSp = [Int](repeating: 1, count: pad) + Array(x.shape[2...])
        var axes: [PoolFloat.AxisTaps] = []
        for a in 0..<3 {
            if a < pad {
                axes.append(PoolFloat.taps(input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0))
                continue
            }
            let g = a - pad
            guard geom.kernel[g] >= 1, geom.strides[g] >= 1, geom.dilations[g] >= 1, geom.padBegin[g] >= 0,
                  geom.padEnd[g] >= 0, geom.output[g] >= 0 else { return nil }
            axes.append(PoolFloat.taps(input: inSp[a], output: geom.output[g], kernel: geom.kernel[g], stride: geom.strides[g],
                                       dilation: geom.dilations[g], padBegin: geom.padBegin[g], padEnd: geom.padEnd[g]))
        }
        let outSp = [Int](repeating: 1, count: pad) + geom.output
        let outShape = Array(x.shape[0..<2]) + geom.output
        let (vbuf, vals, count) = try newOutput(outShape, Float.self)
        let (ibuf, idx, _) = try newOutput(outShape, Int64.self)
        let nc = x.shape[0] * x.shape[1]
        let inSize = inSp.reduce(1, *), outSize = outSp.reduce(1, *)
        // Where a tap's input position is stored, row- or column-major.
        let store = columnMajor ? [1, inSp[0], inSp[0] * inSp[1]] : [inSp[1] * inSp[2], inSp[2], 1]
        if count > 0 {
            try x.withUnsafeBuffer(of: Float.self) { px in
                guard let xb = px.baseAddress else { throw GraphError("MaxPool: X has no data") }
                let (ad, ah, aw) = (axes[0], axes[1], axes[2])
                let (h, w) = (inSp[1], inSp[2])
                parallelItems(nc, costPerItem: max(1, outSize * geom.kernel.reduce(1, *))) { ch in
                    let src = xb + ch * inSize
                    var o = ch * outSize
                    for od in 0..<outSp[0] {
                        let d0 = od * ad.stride - ad.pad
                        for oh in 0..<outSp[1] {
                            let h0 = oh * ah.stride - ah.pad
                            for ow in 0..<outSp[2] {
                                let w0 = ow * aw.stride - aw.pad
                                var best: Float = 0, at = 0, found = false
                                for kd in ad.kLo[od]..<ad.kHi[od] {
                                    let pd = d0 + kd * ad.dilation
                                    for kh in ah.kLo[oh]..<ah.kHi[oh] {
                                        let ph = h0 + kh * ah.dilation
                                        let row = src + (pd * h + ph) * w
                                        for kw in aw.kLo[ow]..<aw.kHi[ow] {
                                            let pw = w0 + kw * aw.dilation
                                            let v = row[pw]
                                            if !found || v > best || (v.isNaN && !best.isNaN) {
                                                best = v; at = pd * store[0] + ph * store[1] + pw * store[2]; found = true
                                            }
                                        }
                                    }
                                }
                                vals[o] = best
                                idx[o] = Int64(ch * inSize + at)
                                o += 1
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(dtype: .float32, shape: outShape, buffer: vbuf), Tensor(dtype: .int64, shape: outShape, buffer: ibuf))
    }
}
