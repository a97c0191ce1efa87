import CPool
import SurgeonTensor

/// MaxPool with its Indices output for float32, 1-D to 3-D windows: the fast kernel next to
/// the plain `poolND` (Double, tap lists built per output position: 0.3 ms for a 2x8x24x24
/// pool in the zoo's misc_ops, half of that model's run). Same results: the first largest tap
/// in row-major tap order (the last axis fastest), NaN wins (the first NaN), an empty window
/// gives 0 and the index of its plane's first element; indices flat over the whole tensor,
/// the spatial part column-major when `columnMajor` (storage_order 1). With AVX2 the rows run
/// in C (`sp_maxpool_indices_rows`: 8 output columns at a time through a -inf padded line);
/// the Swift plane loop below is its reference and runs elsewhere.
enum MaxPoolIndicesFloat {
    /// (values, indices) of `x` (`[N, C, spatial...]`), or nil when the type, rank or
    /// geometry is not handled here.
    /// - Parameter vectorKernel: false keeps the Swift plane loop below instead of the AVX2 C
    ///   rows (`sp_maxpool_indices_rows`; tests compare the two).
    static func pool(_ x: Tensor, geom: SpatialGeometry, columnMajor: Bool,
                     vectorKernel: Bool = true) throws -> (values: Tensor, indices: Tensor)? {
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
            // Per axis: first / one-past-last valid tap and first input position of each output
            // (flat, so the loops below index plain buffers).
            var bounds: [Int] = []
            var starts: [Int] = []
            for a in 0..<3 {
                starts.append(bounds.count)
                for o in 0..<outSp[a] {
                    bounds.append(axes[a].kLo[o]); bounds.append(axes[a].kHi[o])
                    bounds.append(o * axes[a].stride - axes[a].pad)
                }
            }
            let g = Plane(s0: store[0], s1: store[1], s2: store[2], dd: axes[0].dilation, dh: axes[1].dilation,
                          dw: axes[2].dilation, od: outSp[0], oh: outSp[1], ow: outSp[2], h: inSp[1], w: inSp[2],
                          bd: starts[0], bh: starts[1], bw: starts[2])
            let limit = Int(Int32.max) / 4
            let fits = inSize < limit && bounds.allSatisfy { abs($0) < limit / 8 }
                && [axes[0].dilation, axes[1].dilation, axes[2].dilation, axes[2].stride, axes[2].kernel, axes[2].pad,
                    outSp[2]].allSatisfy { $0 < limit / 8 }
            if vectorKernel, fits, PoolFloat.maxPoolRowsLevel > 0 {
                let w = inSp[2], ow = outSp[2], aw = axes[2]
                let lineLen = sp_maxpool_indices_line(Int32(w), Int32(ow), Int32(aw.kernel), Int32(aw.stride),
                                                      Int32(aw.dilation), Int32(aw.pad))
                let scratch = lineLen + 2 * (ow + 8)
                let taps = bounds.map { Int32($0) }
                let rows = nc * outSp[0] * outSp[1]
                let rowCost = max(1, ow * geom.kernel.reduce(1, *))
                try x.withUnsafeBuffer(of: Float.self) { px in
                    guard let xb = px.baseAddress else { throw GraphError("MaxPool: X has no data") }
                    taps.withUnsafeBufferPointer { tp in
                        guard let tb = tp.baseAddress else { return }
                        parallelChunks(rows, grain: max(1, parallelGrain / rowCost)) { chunk in
                            let buf = ScratchMemory.allocate(Float.self, count: scratch)
                            defer { ScratchMemory.release(buf, count: scratch) }
                            _ = sp_maxpool_indices_rows(xb, inSize, Int32(inSp[1]), Int32(w), Int32(outSp[0]), Int32(outSp[1]),
                                                        Int32(ow), Int32(aw.kernel), tb, Int32(starts[0]), Int32(starts[1]),
                                                        Int32(starts[2]), Int32(axes[0].dilation), Int32(axes[1].dilation),
                                                        Int32(aw.dilation), Int32(aw.stride), Int32(aw.pad), Int32(store[0]),
                                                        Int32(store[1]), Int32(store[2]), vals, idx, buf,
                                                        chunk.lowerBound, chunk.upperBound)
                        }
                    }
                }
                return (Tensor(dtype: .float32, shape: outShape, buffer: vbuf), Tensor(dtype: .int64, shape: outShape, buffer: ibuf))
            }
            try x.withUnsafeBuffer(of: Float.self) { px in
                guard let xb = px.baseAddress else { throw GraphError("MaxPool: X has no data") }
                bounds.withUnsafeBufferPointer { pb in
                    guard let tb = pb.baseAddress else { return }
                    parallelItems(nc, costPerItem: max(1, outSize * geom.kernel.reduce(1, *))) { ch in
                        g.run(src: xb + ch * inSize, base: ch * inSize, taps: tb, vals: vals + ch * outSize, idx: idx + ch * outSize)
                    }
                }
            }
        }
        return (Tensor(dtype: .float32, shape: outShape, buffer: vbuf), Tensor(dtype: .int64, shape: outShape, buffer: ibuf))
    }

    /// One plane's loops (a function of its own, with its sizes as stored properties, so they
    /// stay in registers).
    struct Plane {
        let s0: Int, s1: Int, s2: Int, dd: Int, dh: Int, dw: Int, od: Int, oh: Int, ow: Int, h: Int, w: Int
        let bd: Int, bh: Int, bw: Int

        /// `taps`: per axis and output, (first tap, one past the last, first input position).
        @inline(never)
        func run(src: UnsafePointer<Float>, base: Int, taps tb: UnsafePointer<Int>, vals: UnsafeMutablePointer<Float>,
                 idx: UnsafeMutablePointer<Int64>) {
            var o = 0
            for z in 0..<od {
                let td = tb + bd + 3 * z
                for y in 0..<oh {
                    let th = tb + bh + 3 * y
                    for x in 0..<ow {
                        let tw = tb + bw + 3 * x
                        // Branch-free (random data made the compare a coin toss for the
                        // predictor): -inf and the first tap's position, replaced by a larger
                        // value or the first NaN.
                        let empty = td[0] >= td[1] || th[0] >= th[1] || tw[0] >= tw[1]
                        var best = -Float.infinity
                        var at = empty ? 0 : (td[2] &+ td[0] &* dd) &* s0 &+ (th[2] &+ th[0] &* dh) &* s1 &+ (tw[2] &+ tw[0] &* dw) &* s2
                        var kd = td[0]
                        while kd < td[1] {
                            let pd = td[2] &+ kd &* dd
                            var kh = th[0]
                            while kh < th[1] {
                                let ph = th[2] &+ kh &* dh
                                let row = src + (pd &* h &+ ph) &* w
                                let rowAt = pd &* s0 &+ ph &* s1
                                var kw = tw[0]
                                while kw < tw[1] {
                                    let pw = tw[2] &+ kw &* dw
                                    let v = row[pw]
                                    let take = v > best || (v != v && best == best)
                                    best = take ? v : best
                                    at = take ? rowAt &+ pw &* s2 : at
                                    kw &+= 1
                                }
                                kh &+= 1
                            }
                            kd &+= 1
                        }
                        vals[o] = empty ? 0 : best
                        idx[o] = Int64(base &+ at)
                        o &+= 1
                    }
                }
            }
        }
    }
}
