import SurgeonTensor

/// Fast float32 max / average pooling for 1-D, 2-D and 3-D windows (the plain `poolND`
/// computes in Double and builds tap lists per output position). Same results as `poolND`
/// for `.max` (values only) and `.average`: windows clipped to the input, the first NaN of a
/// window wins a max, an empty window gives 0 (max) or NaN (average).
enum PoolFloat {
    /// Per axis and output position: first and one-past-last valid kernel tap, and the taps
    /// inside the padded extent (for count_include_pad).
    struct AxisTaps {
        var kLo: [Int], kHi: [Int], incl: [Int]
        var stride: Int, dilation: Int, pad: Int
    }

    static func taps(input: Int, output: Int, kernel: Int, stride: Int, dilation: Int,
                     padBegin: Int, padEnd: Int) -> AxisTaps {
        var lo = [Int](repeating: 0, count: output), hi = lo, incl = lo
        for o in 0..<output {
            var first = kernel, last = -1, cnt = 0
            for k in 0..<kernel {
                let p = o * stride - padBegin + k * dilation
                if p >= -padBegin && p < input + padEnd { cnt += 1 }
                if p >= 0 && p < input { if first == kernel { first = k }; last = k }
            }
            lo[o] = first; hi[o] = max(first, last + 1); incl[o] = cnt
        }
        return AxisTaps(kLo: lo, kHi: hi, incl: incl, stride: stride, dilation: dilation, pad: padBegin)
    }

    /// Pools `x` (`[N, C, spatial...]`, spatial rank 1...3) into a new float32 tensor, or
    /// returns nil when the rank is not handled here.
    static func pool(_ x: Tensor, geom: SpatialGeometry, kind: PoolKind) throws -> Tensor? {
        if x.dtype == .float16 || x.dtype == .bfloat16 {
            // Through float32: max is exact, averages round once at the end.
            return try pool(x.cast(to: .float32), geom: geom, kind: kind)?.cast(to: x.dtype)
        }
        guard x.dtype == .float32, (3...5).contains(x.rank) else { return nil }
        let r = x.rank - 2
        let pad = 3 - r
        let inSp = [Int](repeating: 1, count: pad) + Array(x.shape[2...])
        var axes: [AxisTaps] = []
        for a in 0..<3 {
            if a < pad {
                axes.append(taps(input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0))
            } else {
                let g = a - pad
                axes.append(taps(input: inSp[a], output: geom.output[g], kernel: geom.kernel[g],
                                 stride: geom.strides[g], dilation: geom.dilations[g],
                                 padBegin: geom.padBegin[g], padEnd: geom.padEnd[g]))
            }
        }
        let od = axes[0].kLo.count, oh = axes[1].kLo.count, ow = axes[2].kLo.count
        let ih = inSp[1], iw = inSp[2]
        let inSize = inSp[0] * ih * iw, outSize = od * oh * ow
        let nc = x.shape[0] * x.shape[1]
        let outShape = Array(x.shape[0..<2]) + geom.output
        let isMax: Bool, includePad: Bool
        switch kind {
        case .max: isMax = true; includePad = false
        case .average(let inc): isMax = false; includePad = inc
        case .lp: return nil
        }
        let (ad, ah, aw) = (axes[0], axes[1], axes[2])
        // Separable: first along W for every input row (tmp[d][h][ow]), then over the valid
        // (kd, kh) rows of tmp for each output row, elementwise over ow (vectorisable).
        // Max is "NaN if any tap is NaN, else the largest", so the order of taps is irrelevant.
        let rowsIn = inSp[0] * ih
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.build(outShape, of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress else { return }
                // Channels are independent: split them over the kernel threads, one scratch
                // row buffer per chunk.
                parallelChunks(nc, grain: max(1, parallelGrain / max(1, inSize))) { chunk in
                let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rowsIn * ow))
                defer { tmp.deallocate() }
                for ch in chunk {
                    let s = sb + ch * inSize
                    let o = db + ch * outSize
                    if !isMax {
                        combineChannel(Sum.self, s, tmp, o, ad: ad, ah: ah, aw: aw, rowsIn: rowsIn, ih: ih, iw: iw)
                    } else if hasNaN(s, inSize) {
                        combineChannel(MaxKeepingNaN.self, s, tmp, o, ad: ad, ah: ah, aw: aw, rowsIn: rowsIn, ih: ih, iw: iw)
                    } else {
                        combineChannel(Max.self, s, tmp, o, ad: ad, ah: ah, aw: aw, rowsIn: rowsIn, ih: ih, iw: iw)
                    }
                    // Empty windows and the average's divisor.
                    for zd in 0..<od {
                        for zh in 0..<oh {
                            let out = o + (zd * oh + zh) * ow
                            let taps = (ad.kHi[zd] - ad.kLo[zd]) * (ah.kHi[zh] - ah.kLo[zh])
                            if taps == 0 {
                                // No tap inside the input: 0 for max; for an average 0 / count,
                                // NaN when nothing is counted.
                                for zw in 0..<ow {
                                    let div = includePad ? ad.incl[zd] * ah.incl[zh] * aw.incl[zw] : 0
                                    out[zw] = isMax || div > 0 ? 0 : .nan
                                }
                                continue
                            }
                            if isMax {
                                // Windows empty along W give 0.
                                for zw in 0..<ow where aw.kLo[zw] == aw.kHi[zw] { out[zw] = 0 }
                            } else {
                                for zw in 0..<ow {
                                    let wTaps = aw.kHi[zw] - aw.kLo[zw]
                                    let div = includePad ? ad.incl[zd] * ah.incl[zh] * aw.incl[zw] : taps * wTaps
                                    out[zw] = div > 0 ? out[zw] / Float(div) : .nan
                                }
                            }
                        }
                    }
                }
                }
            }
        }
    }

    /// How taps of a window combine (specialised per kind so the inner loops stay branch-free).
    protocol Combine { static func combine(_ acc: Float, _ v: Float) -> Float }
    /// Largest value; only for channels without NaN (then it compiles to a plain max).
    enum Max: Combine { @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { v > a ? v : a } }
    /// Largest value, NaN as soon as one tap is NaN.
    enum MaxKeepingNaN: Combine {
        @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { (v > a || v.isNaN) ? v : a }
    }
    enum Sum: Combine { @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { a + v } }

    /// True when any of the `n` floats at `p` is NaN (integer max over the magnitude bits).
    static func hasNaN(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        var m: UInt32 = 0
        for i in 0..<n { m = Swift.max(m, p[i].bitPattern & 0x7fff_ffff) }
        return m > 0x7f80_0000
    }

    /// One channel: combines along W into `tmp` (`[D*H, OW]`), then the valid (kd, kh) rows
    /// of `tmp` into each output row. Windows empty along an axis are fixed up by the caller.
    @inline(__always)
    static func combineChannel<C: Combine>(_ c: C.Type, _ s: UnsafePointer<Float>, _ tmp: UnsafeMutablePointer<Float>,
                                           _ o: UnsafeMutablePointer<Float>, ad: AxisTaps, ah: AxisTaps, aw: AxisTaps,
                                           rowsIn: Int, ih: Int, iw: Int) {
        let ow = aw.kLo.count, oh = ah.kLo.count, od = ad.kLo.count
        aw.kLo.withUnsafeBufferPointer { kLo in
            aw.kHi.withUnsafeBufferPointer { kHi in
                for row in 0..<rowsIn {
                    let line = s + row &* iw, t = tmp + row &* ow
                    for zw in 0..<ow {
                        let lo = kLo[zw], hi = kHi[zw]
                        if lo == hi { t[zw] = 0; continue }
                        var p = zw &* aw.stride &- aw.pad &+ lo &* aw.dilation
                        var acc = line[p]
                        for _ in (lo + 1)..<hi {
                            p &+= aw.dilation
                            acc = C.combine(acc, line[p])
                        }
                        t[zw] = acc
                    }
                }
            }
        }
        for zd in 0..<od {
            for zh in 0..<oh {
                let out = o + (zd * oh + zh) * ow
                var first = true
                for kd in ad.kLo[zd]..<ad.kHi[zd] {
                    let pd = zd * ad.stride - ad.pad + kd * ad.dilation
                    for kh in ah.kLo[zh]..<ah.kHi[zh] {
                        let ph = zh * ah.stride - ah.pad + kh * ah.dilation
                        let t = tmp + (pd * ih + ph) * ow
                        if first {
                            out.update(from: t, count: ow)
                            first = false
                        } else {
                            for j in 0..<ow { out[j] = C.combine(out[j], t[j]) }
                        }
                    }
                }
            }
        }
    }
}
