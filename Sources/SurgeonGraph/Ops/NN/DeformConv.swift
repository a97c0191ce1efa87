import SurgeonTensor

/// DeformConv (opset 19, 22), 2-D: each kernel tap samples X bilinearly (zero outside) at its
/// regular position plus a learned offset `[N, offset_group*kH*kW*2, oH, oW]`, optionally
/// weighted by `mask`; groups, strides, dilations, pads and bias as Conv.
enum DeformConv {
    static func register(_ r: inout OpRegistry) {
        r.register("DeformConv", since: 19) { ctx in [.tensor(try run(ctx))] }
    }

    static func run(_ ctx: OpContext) throws -> Tensor {
        let x = try ctx.tensor(0), w = try ctx.tensor(1), offset = try ctx.tensor(2)
        let bias = try ctx.optionalTensor(3), mask = try ctx.optionalTensor(4)
        try requireFloat(x, "DeformConv", "X")
        guard x.rank == 4 else { throw ctx.error("only 2-D DeformConv is supported, X is \(x.typeDescription)") }
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        let og = try ctx.int("offset_group", 1)
        let n = x.shape[0], ic = x.shape[1], ih = x.shape[2], iw = x.shape[3]
        let oc = w.shape[0], kh = geom.kernel[0], kw = geom.kernel[1]
        let oh = geom.output[0], ow = geom.output[1]
        guard og >= 1, ic % og == 0 else { throw ctx.error("offset_group \(og) does not divide \(ic) channels") }
        guard offset.shape == [n, og * kh * kw * 2, oh, ow] else {
            throw ctx.error("offset \(offset.typeDescription) should be \(shapeString([n, og * kh * kw * 2, oh, ow]))")
        }
        if let mask, mask.shape != [n, og * kh * kw, oh, ow] {
            throw ctx.error("mask \(mask.typeDescription) should be \(shapeString([n, og * kh * kw, oh, ow]))")
        }
        if let bias, bias.count != oc { throw ctx.error("B needs \(oc) values") }
        let xv = x.doubleArray(), wv = w.doubleArray(), ov = offset.doubleArray()
        let mv = mask?.doubleArray(), bv = bias?.doubleArray()
        let icg = ic / group, ocg = oc / group, icPerOg = ic / og
        let plane = oh * ow
        var y = [Double](repeating: 0, count: n * oc * plane)
        func sample(_ base: Int, _ h: Double, _ wc: Double) -> Double {
            let h0 = Int(h.rounded(.down)), w0 = Int(wc.rounded(.down))
            let th = h - Double(h0), tw = wc - Double(w0)
            var s = 0.0
            for (dy, wy) in [(0, 1 - th), (1, th)] where wy != 0 {
                let yy = h0 + dy
                if yy < 0 || yy >= ih { continue }
                for (dx, wx) in [(0, 1 - tw), (1, tw)] where wx != 0 {
                    let xx = w0 + dx
                    if xx < 0 || xx >= iw { continue }
                    s += wy * wx * xv[base + yy * iw + xx]
                }
            }
            return s
        }
        for b in 0..<n {
            for i in 0..<oh { for j in 0..<ow {
                for c in 0..<ic {
                    let g = c / icg, o = c / icPerOg
                    let base = (b * ic + c) * ih * iw
                    for a in 0..<kh { for k in 0..<kw {
                        let tap = (o * kh + a) * kw + k
                        let offH = ov[((b * og * kh * kw + tap) * 2) * plane + i * ow + j]
                        let offW = ov[((b * og * kh * kw + tap) * 2 + 1) * plane + i * ow + j]
                        let h = Double(i * geom.strides[0] - geom.padBegin[0] + a * geom.dilations[0]) + offH
                        let wc = Double(j * geom.strides[1] - geom.padBegin[1] + k * geom.dilations[1]) + offW
                        guard h.isFinite, wc.isFinite, abs(h) < 1e12, abs(wc) < 1e12 else { continue }
                        var v = sample(base, h, wc)
                        if let mv { v *= mv[(b * og * kh * kw + tap) * plane + i * ow + j] }
                        if v == 0 { continue }
                        for m in (g * ocg)..<((g + 1) * ocg) {
                            y[(b * oc + m) * plane + i * ow + j] += v * wv[((m * icg + c % icg) * kh + a) * kw + k]
                        }
                    } }
                }
                if let bv { for m in 0..<oc { y[(b * oc + m) * plane + i * ow + j] += bv[m] } }
            } }
        }
        return try Tensor(doubles: y, shape: [n, oc, oh, ow], dtype: x.dtype)
    }
}
