import SurgeonTensor

/// Float depthwise 2-D convolution eight channels at a time, each channel in one lane of a
/// `SIMD8<Float>` (the fast kernel of `Conv.convCore` for 2-D depthwise convolutions; tested
/// against the plain `Conv.depthwise2D`).
///
/// The planar kernel (`Conv.depthwise2DFloat`) vectorises along a row: on the small planes of
/// mobile convnets (7×7 to 28×28, up to 576 channels) its per-channel set-up (the padded copy
/// row by row, tiles past the row's end) cost more than the products. Here a band of input
/// rows of eight planes is copied once into a zero-padded, channel-interleaved scratch
/// (position-major, eight lanes per position), so every tap of every output is one aligned
/// vector load for any stride or dilation, with no border path and no wasted lane (but in the
/// last group when the plane count is not a multiple of 8). The results go to a
/// position-major buffer and are copied back to the eight planes, where the epilogue runs.
/// Each output is the bias plus the taps in row-major order, like the planar kernel.
struct DepthwiseInterleaved {
    let h: Int, w: Int, oh: Int, ow: Int
    let kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int, ph: Int, pw: Int
    /// Output columns rounded up to whole blocks of 4; padded positions per scratch row.
    let owr: Int, rowWidth: Int
    /// Output rows per band (even); input rows a band reads (its scratch rows).
    let bandRows: Int, bandInputRows: Int

    /// Vectors (of 8 floats) of one band's padded input and of its results.
    var scratchCount: Int { bandInputRows * rowWidth }
    var resultCount: Int { bandRows * owr }

    /// Fewer planes (batch × channels) than this take the planar kernel (lanes would idle).
    static let minimumPlanes = 8

    /// About 128 KB of interleaved input rows per band.
    static let bandBudget = 1 << 12

    /// - Parameter budget: vectors of scratch per band (the tests use small ones to force bands).
    init(h: Int, w: Int, geom: SpatialGeometry, budget: Int = DepthwiseInterleaved.bandBudget) {
        self.h = h; self.w = w
        kh = geom.kernel[0]; kw = geom.kernel[1]
        sh = geom.strides[0]; sw = geom.strides[1]
        dh = geom.dilations[0]; dw = geom.dilations[1]
        ph = geom.padBegin[0]; pw = geom.padBegin[1]
        oh = geom.output[0]; ow = geom.output[1]
        owr = (ow + 3) / 4 * 4
        rowWidth = (owr - 1) * sw + (kw - 1) * dw + 1
        let extent = (kh - 1) * dh + 1
        // Rows of a band of r output rows: (r - 1) * sh + extent.
        let fit = (budget / max(1, rowWidth) - extent) / sh + 1
        let ohr = (oh + 1) / 2 * 2
        bandRows = max(2, min(ohr, fit / 2 * 2))
        bandInputRows = (bandRows - 1) * sh + extent
    }

    /// Planes `first ..< first + count` (count 1-8) of `src` (`h * w` floats each, plane i's
    /// channel `i % channels`) into the same planes of `dst` (`oh * ow` each): bias + products,
    /// then `epilogue` on each band of rows. `scratch` holds `scratchCount` vectors, zero on the
    /// first call (it is kept so between calls: only the inside of the rows is rewritten),
    /// `results` `resultCount`, `taps` kh * kw.
    func run(src: UnsafePointer<Float>, first: Int, count: Int, channels: Int, kernel: UnsafePointer<Float>,
             bias: [Float]?, dst: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?,
             scratch: UnsafeMutablePointer<SIMD8<Float>>, results: UnsafeMutablePointer<SIMD8<Float>>,
             taps: UnsafeMutablePointer<SIMD8<Float>>, level: Int = DepthwiseBand8.level, direct: Bool = true) {
        let inSize = h * w, outSize = oh * ow, kSize = kh * kw
        var b = SIMD8<Float>()
        taps.initialize(repeating: SIMD8<Float>(), count: kSize)
        // Lane l of tap t is float t * 8 + l: written as floats, not through SIMD8's
        // subscript with a variable lane (a tenth of a small-map depthwise call).
        let tapFloats = UnsafeMutableRawPointer(taps).assumingMemoryBound(to: Float.self)
        for l in 0..<count {
            let ch = (first + l) % channels
            b[l] = bias?[ch] ?? 0
            let k = kernel + ch * kSize
            for t in 0..<kSize { tapFloats[t &* 8 &+ l] = k[t] }
        }
        let storedActivation = epilogue.flatMap(Self.storeActivation)
        var i0 = 0
        while i0 < oh {
            let rows = min(bandRows, oh - i0)
            let fillRows = ((rows + 1) / 2 * 2 - 1) * sh + (kh - 1) * dh + 1
            let filled = direct && DepthwiseBand8.fill(
                level: level, src: src + first * inSize, stride: inSize, lanes: count, h: h, w: w, pw: pw, firstRow: i0 * sh - ph,
                rows: fillRows, rowWidth: rowWidth, scratch: UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self))
            if !filled {
                fill(src: src + first * inSize, count: count, firstRow: i0 * sh - ph, rows: fillRows, scratch: scratch)
            }
            // The C kernel stores straight to the planes (the same sums; no copy back), with a
            // lone Relu or Clip epilogue applied in its registers (no pass over the band).
            let stored = direct && withUnsafePointer(to: b) { bp in
                let f = { (p: UnsafeRawPointer) in p.assumingMemoryBound(to: Float.self) }
                return DepthwiseBand8.runPlanes(level: level, scratch: f(scratch), rowWidth: rowWidth, taps: f(taps), bias: f(bp),
                                                dst: dst + first * outSize + i0 * ow, stride: outSize, lanes: count, ow: ow,
                                                owr: owr, rows: rows, kh: kh, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw,
                                                activation: storedActivation)
            }
            if stored {
                if storedActivation == nil {
                    applyEpilogue(epilogue, dst: dst, first: first, count: count, row0: i0, rows: rows)
                }
                i0 += rows
                continue
            }
            let fused = withUnsafePointer(to: b) { bp in
                let f = { (p: UnsafeRawPointer) in p.assumingMemoryBound(to: Float.self) }
                return DepthwiseBand8.run(level: level, scratch: f(scratch), rowWidth: rowWidth, taps: f(taps),
                                          bias: f(bp), results: UnsafeMutableRawPointer(results).assumingMemoryBound(to: Float.self),
                                          owr: owr, rows: (rows + 1) / 2 * 2, kh: kh, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw)
            }
            if !fused {
                switch (kh, kw) {
                case (3, 3): band(3, 3, taps, b, scratch, results, rows)
                case (5, 5): band(5, 5, taps, b, scratch, results, rows)
                case (7, 7): band(7, 7, taps, b, scratch, results, rows)
                default: band(kh, kw, taps, b, scratch, results, rows)
                }
            }
            // Back to the planes, 4 positions × 8 planes at a time (two 4×4 transposes).
            let planes = dst + first * outSize + i0 * ow
            for i in 0..<rows {
                let from = results + i &* owr, rowOut = planes + i &* ow
                var j = 0
                while j < ow {
                    let v0 = from[j], v1 = from[j &+ 1], v2 = from[j &+ 2], v3 = from[j &+ 3]
                    let lo = Self.transpose4(v0.lowHalf, v1.lowHalf, v2.lowHalf, v3.lowHalf)
                    let hi = Self.transpose4(v0.highHalf, v1.highHalf, v2.highHalf, v3.highHalf)
                    let n = min(4, ow &- j)
                    @inline(__always) func put(_ v: SIMD4<Float>, _ l: Int) {
                        guard l < count else { return }
                        let to = rowOut + (l &* outSize &+ j)
                        if n == 4 {
                            UnsafeMutableRawPointer(to).storeBytes(of: v, as: SIMD4<Float>.self)
                        } else {
                            for k in 0..<n { to[k] = v[k] }
                        }
                    }
                    put(lo.0, 0); put(lo.1, 1); put(lo.2, 2); put(lo.3, 3)
                    put(hi.0, 4); put(hi.1, 5); put(hi.2, 6); put(hi.3, 7)
                    j &+= 4
                }
            }
            applyEpilogue(epilogue, dst: dst, first: first, count: count, row0: i0, rows: rows)
            i0 += rows
        }
    }

    /// The activation the C kernel can apply as it stores: an epilogue of one Relu or Clip map
    /// applied in place (not a kept chain's, which keeps the sums too).
    static func storeActivation(_ e: TileEpilogue) -> DepthwiseBand8.Activation? {
        guard e.keep == 0, e.maps.count == 1, let m = e.maps.first else { return nil }
        switch m {
        case .relu: return .relu
        case .clip(let lo, let hi): return .clip(lo: lo, hi: hi)
        default: return nil
        }
    }

    /// The epilogue on output rows row0 ..< row0 + rows of planes first ..< first + count, the
    /// band just stored, while it is in cache (after the whole plane, a plane of 112 × 112 was
    /// read back from L2: the ReLU of mobilenet_v3_large's depthwise convolutions was 7% of its
    /// run). The maps are per value: the same bits as over the whole plane.
    @inline(__always)
    private func applyEpilogue(_ epilogue: TileEpilogue?, dst: UnsafeMutablePointer<Float>, first: Int, count: Int,
                               row0: Int, rows: Int) {
        guard let epilogue else { return }
        let outSize = oh * ow
        epilogue.apply(dst + first * outSize + row0 * ow, rows: count, cols: rows * ow, stride: outSize, col0: row0 * ow)
    }

    /// Input rows `firstRow ..< firstRow + rows` of the `count` planes at `src` into the
    /// scratch rows 0 ..< rows: rows outside the input all zeros, the others the input values
    /// at columns pw ..< pw + w (the columns outside, the pads, are never written and stay zero).
    private func fill(src: UnsafePointer<Float>, count: Int, firstRow: Int, rows: Int,
                      scratch: UnsafeMutablePointer<SIMD8<Float>>) {
        let inSize = h * w
        let x1 = min(w, rowWidth - pw)  // input columns 0 ..< x1 land inside the scratch row
        for r in 0..<rows {
            let y = firstRow + r
            let row = scratch + r * rowWidth
            if y < 0 || y >= h {
                row.update(repeating: SIMD8<Float>(), count: rowWidth)
                continue
            }
            if x1 <= 0 { continue }
            let line = src + y * w
            let out = row + pw
            if count == 8 {
                let p0 = line, p1 = line + inSize, p2 = line + 2 &* inSize, p3 = line + 3 &* inSize
                let p4 = line + 4 &* inSize, p5 = line + 5 &* inSize, p6 = line + 6 &* inSize, p7 = line + 7 &* inSize
                // 4 columns × 8 planes at a time (two 4×4 transposes), then one by one.
                var x = 0
                @inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
                    UnsafeRawPointer(p + x).loadUnaligned(as: SIMD4<Float>.self)
                }
                while x &+ 4 <= x1 {
                    let lo = Self.transpose4(load4(p0), load4(p1), load4(p2), load4(p3))
                    let hi = Self.transpose4(load4(p4), load4(p5), load4(p6), load4(p7))
                    out[x] = SIMD8(lowHalf: lo.0, highHalf: hi.0)
                    out[x &+ 1] = SIMD8(lowHalf: lo.1, highHalf: hi.1)
                    out[x &+ 2] = SIMD8(lowHalf: lo.2, highHalf: hi.2)
                    out[x &+ 3] = SIMD8(lowHalf: lo.3, highHalf: hi.3)
                    x &+= 4
                }
                while x < x1 {
                    out[x] = SIMD8(p0[x], p1[x], p2[x], p3[x], p4[x], p5[x], p6[x], p7[x])
                    x &+= 1
                }
            } else {
                // The lanes past `count` keep what they held: their results are not read.
                let f = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
                for l in 0..<count {
                    let p = line + l * inSize
                    for x in 0..<x1 { f[x &* 8 &+ l] = p[x] }
                }
            }
        }
    }

    /// The transpose of the 4×4 matrix whose rows are a, b, c, d.
    @inline(__always)
    static func transpose4(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>)
        -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        let t0 = SIMD4(a[0], b[0], a[1], b[1]), t1 = SIMD4(a[2], b[2], a[3], b[3])
        let t2 = SIMD4(c[0], d[0], c[1], d[1]), t3 = SIMD4(c[2], d[2], c[3], d[3])
        return (SIMD4(t0[0], t0[1], t2[0], t2[1]), SIMD4(t0[2], t0[3], t2[2], t2[3]),
                SIMD4(t1[0], t1[1], t3[0], t3[1]), SIMD4(t1[2], t1[3], t3[2], t3[3]))
    }

    /// Output rows 0 ..< rows of a band (in pairs; a second row past `rows` is computed from
    /// the scratch's extra rows and not used) into `results` (`owr` vectors per row).
    /// `kh`, `kw` are passed as literals for the common kernels so the tap loops unroll.
    @inline(__always)
    private func band(_ kh: Int, _ kw: Int, _ taps: UnsafePointer<SIMD8<Float>>, _ bias: SIMD8<Float>,
                      _ s: UnsafePointer<SIMD8<Float>>, _ results: UnsafeMutablePointer<SIMD8<Float>>, _ rows: Int) {
        let sw = self.sw, dw = self.dw, owr = self.owr
        let rowStep = dh &* rowWidth, pairStep = sh &* rowWidth
        var i = 0
        while i < rows {
            let top = s + i &* sh &* rowWidth
            let o0 = results + i &* owr, o1 = o0 + owr
            var j = 0
            while j < owr {
                var a0 = bias, a1 = bias, a2 = bias, a3 = bias
                var c0 = bias, c1 = bias, c2 = bias, c3 = bias
                for a in 0..<kh {
                    let r0 = top + (a &* rowStep &+ j &* sw)
                    let r1 = r0 + pairStep
                    for b in 0..<kw {
                        let k = taps[a &* kw &+ b]
                        let p = r0 + b &* dw, q = r1 + b &* dw
                        a0 += k * p[0]; a1 += k * p[sw]; a2 += k * p[2 &* sw]; a3 += k * p[3 &* sw]
                        c0 += k * q[0]; c1 += k * q[sw]; c2 += k * q[2 &* sw]; c3 += k * q[3 &* sw]
                    }
                }
                o0[j] = a0; o0[j &+ 1] = a1; o0[j &+ 2] = a2; o0[j &+ 3] = a3
                o1[j] = c0; o1[j &+ 1] = c1; o1[j &+ 2] = c2; o1[j &+ 3] = c3
                j &+= 4
            }
            i &+= 2
        }
    }
}
