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
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rowsIn * ow))
        defer { tmp.deallocate() }
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.build(outShape, of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress else { return }
                for ch in 0..<nc {
                    let s = sb + ch * inSize
                    // Pass 1: along W.
                    for row in 0..<rowsIn {
                        let line = s + row * iw, t = tmp + row * ow
                        for zw in 0..<ow {
                            let lo = aw.kLo[zw], hi = aw.kHi[zw]
                            var p = zw &* aw.stride &- aw.pad &+ lo &* aw.dilation
                            if lo == hi { t[zw] = 0; continue }
                            var acc = line[p]
                            p &+= aw.dilation
                            if isMax {
                                for _ in (lo + 1)..<hi {
                                    let v = line[p]
                                    acc = (v > acc || v.isNaN) ? v : acc
                                    p &+= aw.dilation
                                }
                            } else {
                                for _ in (lo + 1)..<hi { acc += line[p]; p &+= aw.dilation }
                            }
                            t[zw] = acc
                        }
                    }
                    // Pass 2: over D and H.
                    let o = db + ch * outSize
                    for zd in 0..<od {
                        for zh in 0..<oh {
                            let out = o + (zd * oh + zh) * ow
                            let dLo = ad.kLo[zd], dHi = ad.kHi[zd], hLo = ah.kLo[zh], hHi = ah.kHi[zh]
                            let taps = (dHi - dLo) * (hHi - hLo)
                            if taps == 0 {
                                // No tap inside the input: 0 for max; for an average 0 / count,
                                // NaN when nothing is counted.
                                for zw in 0..<ow {
                                    let div = includePad ? ad.incl[zd] * ah.incl[zh] * aw.incl[zw] : 0
                                    out[zw] = isMax || div > 0 ? 0 : .nan
                                }
                                continue
                            }
                            var first = true
                            for kd in dLo..<dHi {
                                let pd = zd * ad.stride - ad.pad + kd * ad.dilation
                                for kh in hLo..<hHi {
                                    let ph = zh * ah.stride - ah.pad + kh * ah.dilation
                                    let t = tmp + (pd * ih + ph) * ow
                                    if first {
                                        out.update(from: t, count: ow)
                                        first = false
                                    } else if isMax {
                                        for j in 0..<ow { let v = t[j]; out[j] = (v > out[j] || v.isNaN) ? v : out[j] }
                                    } else {
                                        for j in 0..<ow { out[j] += t[j] }
                                    }
                                }
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
