import SurgeonTensor

/// A direct float 2-D convolution for few input values per output (a stem: 3 input channels,
/// 3×3 stride 2, K = 27), the fast kernel of `Conv.convCore` there instead of im2col + sgemm
/// (tested against `ConvReference`). For K this small the products are thin (K rows) and the
/// im2col copy (strided, one short segment per tap and row) cost as much as they did.
///
/// Band by band (`DepthwiseLayout`), each input channel's rows are copied zero-padded and split
/// into stride phases (`Conv.fillBand`, as the depthwise kernel does), so a tap of eight
/// consecutive outputs of a row is one unit-stride vector load; each load is multiplied by the
/// weights of eight output channels (eight sums, one per channel). Each output is the bias plus
/// the taps in (channel, kernel row, kernel column) order.
enum ConvFewChannels {
    /// The most input values per output (channels per group × kernel taps) it takes.
    static let maximumInputs = 32

    static func takes(channelsPerGroup cg: Int, kernelSize: Int, outputChannelsPerGroup mg: Int) -> Bool {
        cg >= 1 && cg * kernelSize <= maximumInputs && mg >= 4
    }

    /// `y` (`[n, m, oh, ow]`) from `x` (`[n, c, h, w]`) and `w` (`[m, c / group, kh, kw]`):
    /// bias + products, then `epilogue` on each band of each output channel.
    static func run(x: UnsafePointer<Float>, n: Int, c: Int, h: Int, w: Int, weights: UnsafePointer<Float>, m: Int,
                    group: Int, bias: [Float]?, geom: SpatialGeometry, y: UnsafeMutablePointer<Float>,
                    epilogue: TileEpilogue?) {
        let layout = DepthwiseLayout(h: h, w: w, geom: geom)
        let cg = c / group, mg = m / group
        let kSize = geom.kernel[0] * geom.kernel[1]
        let oh = geom.output[0], ow = geom.output[1]
        let inSize = h * w, outSize = oh * ow
        let bands = (oh + layout.bandRows - 1) / layout.bandRows
        // Each channel's copy gets 8 floats of slack: the last 8-wide load of a row may read
        // up to 4 values past the layout's rows (lanes that are not stored).
        let perChannel = layout.scratchCount + 8
        let items = n * group * bands
        let grain = max(1, parallelGrain / max(1, layout.bandRows * ow * mg * cg * kSize / max(1, bands)))
        layout.offsets.withUnsafeBufferPointer { ob in
            guard let off = ob.baseAddress else { return }
            parallelChunks(items, grain: grain) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: cg * perChannel)
                scratch.initialize(repeating: 0, count: cg * perChannel)
                defer { scratch.deallocate() }
                for item in range {
                    let band = item % bands, gi = (item / bands) % group, b = item / (bands * group)
                    let i0 = band * layout.bandRows
                    let nr = min(layout.bandRows, oh - i0)
                    let xg = x + (b * c + gi * cg) * inSize
                    for ch in 0..<cg {
                        Conv.fillBand(src: xg + ch * inSize, layout: layout, firstRow: i0 * layout.sh - layout.ph,
                                      rows: (nr - 1) * layout.sh + layout.extentRows, scratch: scratch + ch * perChannel)
                    }
                    let yb = y + (b * m + gi * mg) * outSize + i0 * ow
                    let wg = weights + gi * mg * cg * kSize
                    var m0 = 0
                    while m0 < mg {
                        let count = min(8, mg - m0)
                        let bv = (0..<8).map { k in k < count ? bias?[gi * mg + m0 + k] ?? 0 : 0 }
                        if kSize == 9 {
                            block(layout, 9, cg, perChannel, off, wg + m0 * cg * kSize, bv, count, scratch, yb + m0 * outSize, outSize, nr)
                        } else {
                            block(layout, kSize, cg, perChannel, off, wg + m0 * cg * kSize, bv, count, scratch, yb + m0 * outSize, outSize, nr)
                        }
                        m0 += count
                    }
                    if let epilogue {
                        for k in 0..<mg { epilogue.apply(yb + k * outSize, nr * ow) }
                    }
                }
            }
        }
    }

    /// Output channels `count` (1-8) at `dst` (`outSize` apart; weights at `wt`, `cg * taps`
    /// each), rows 0 ..< rows of the band in `scratch`. `taps` is passed as a literal for 3×3.
    @inline(__always)
    private static func block(_ l: DepthwiseLayout, _ taps: Int, _ cg: Int, _ perChannel: Int, _ off: UnsafePointer<Int>,
                              _ wt: UnsafePointer<Float>, _ bias: [Float], _ count: Int,
                              _ scratch: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ outSize: Int, _ rows: Int) {
        let ow = l.ow, step = l.sh * l.rowStride, kc = cg * taps
        // Weight of output channel k (clamped to the last real one for the idle sums), input value t.
        @inline(__always) func wv(_ k: Int, _ t: Int) -> SIMD8<Float> { SIMD8(repeating: wt[min(k, count - 1) * kc + t]) }
        let b0 = SIMD8<Float>(repeating: bias[0]), b1 = SIMD8<Float>(repeating: bias[1])
        let b2 = SIMD8<Float>(repeating: bias[2]), b3 = SIMD8<Float>(repeating: bias[3])
        let b4 = SIMD8<Float>(repeating: bias[4]), b5 = SIMD8<Float>(repeating: bias[5])
        let b6 = SIMD8<Float>(repeating: bias[6]), b7 = SIMD8<Float>(repeating: bias[7])
        for i in 0..<rows {
            let rowBase = scratch + i * step
            let out = dst + i * ow
            var j = 0
            while j < ow {
                var a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5, a6 = b6, a7 = b7
                for ch in 0..<cg {
                    let base = rowBase + (ch * perChannel + j)
                    for t in 0..<taps {
                        let v = UnsafeRawPointer(base + off[t]).loadUnaligned(as: SIMD8<Float>.self)
                        let q = ch * taps + t
                        a0 += wv(0, q) * v; a1 += wv(1, q) * v; a2 += wv(2, q) * v; a3 += wv(3, q) * v
                        a4 += wv(4, q) * v; a5 += wv(5, q) * v; a6 += wv(6, q) * v; a7 += wv(7, q) * v
                    }
                }
                let n = min(8, ow - j)
                @inline(__always) func put(_ a: SIMD8<Float>, _ k: Int) {
                    guard k < count else { return }
                    let p = out + k * outSize + j
                    if n == 8 {
                        UnsafeMutableRawPointer(p).storeBytes(of: a, as: SIMD8<Float>.self)
                    } else {
                        for lane in 0..<n { p[lane] = a[lane] }
                    }
                }
                put(a0, 0); put(a1, 1); put(a2, 2); put(a3, 3); put(a4, 4); put(a5, 5); put(a6, 6); put(a7, 7)
                j += 8
            }
        }
    }
}
