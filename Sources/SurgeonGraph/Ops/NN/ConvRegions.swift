import SurgeonTensor

/// A float32 2-D convolution whose taps read padding for many of its outputs, computed tap by
/// tap over only the outputs each tap reads the input for. Along an axis, tap k reads inside
/// the input for one contiguous range of outputs, so tap (ky, kx) is live on a rectangle of
/// the output plane; the convolution is the bias plus, per tap, `W_tap (M × C) · X` over the
/// input window of that rectangle. DeepLabV3's ASPP 3x3 with dilation 12 on a 14x14 map
/// (pad 12): the centre tap covers the plane, the others 2 rows or columns of it (18% of the
/// im2col multiply-adds). `Conv.liveTaps` drops the taps that are dead everywhere; this is
/// for those that are live somewhere, taken when it saves at least `minimumSaving` of the
/// products and `minimumProducts` multiply-adds (each tap is its own product, reading the
/// weights regrouped by tap: at every call, one pass over them, or once per constant weight by
/// a plan, PlanConvTapWeights.swift).
enum ConvRegions {
    /// Smallest fraction of the im2col multiply-adds the taps' rectangles must save.
    static let minimumSaving = 0.3
    /// Fewest multiply-adds (per batch item) they must save: small maps keep the one product.
    static let minimumProducts = 1 << 22
    /// Floats of regrouped weights per block of output channels (about 4 MB: blocks of 1 MB, 30 channels of the ASPP, made its 81 products too narrow).
    static let blockBudget = 1 << 20

    /// Along one axis: for each tap, the outputs at which it reads inside `[0, extent)`.
    static func liveOutputs(kernel k: Int, stride s: Int, dilation d: Int, padBegin pb: Int, extent: Int,
                            output out: Int) -> [Range<Int>] {
        (0..<k).map { t in
            // o * s - pb + t * d in [0, extent)  <=>  lo <= o < hi.
            let off = t * d - pb
            let lo = off >= 0 ? 0 : (-off + s - 1) / s
            let hi = extent - 1 - off < 0 ? 0 : (extent - 1 - off) / s + 1
            let a = min(max(lo, 0), out), b = min(max(hi, a), out)
            return a..<b
        }
    }

    /// The taps' output ranges (rows, columns) when computing them tap by tap saves enough;
    /// nil otherwise (or for other ranks / depthwise convolutions, which have their own loop).
    static func plan(inSp: [Int], geom: SpatialGeometry, channelsPerGroup cg: Int, outputsPerGroup mg: Int,
                     minimumSaving: Double = minimumSaving, minimumProducts: Int = minimumProducts) -> [[Range<Int>]]? {
        guard geom.rank == 2, inSp.count == 2, cg * mg > 1 else { return nil }
        let ranges = (0..<2).map { a in
            liveOutputs(kernel: geom.kernel[a], stride: geom.strides[a], dilation: geom.dilations[a],
                        padBegin: geom.padBegin[a], extent: inSp[a], output: geom.output[a])
        }
        let live = ranges[0].reduce(0) { $0 + $1.count } * ranges[1].reduce(0) { $0 + $1.count }
        let full = geom.kernel[0] * geom.output[0] * geom.kernel[1] * geom.output[1]
        let saved = full - live
        guard Double(saved) >= minimumSaving * Double(full),
              saved.multipliedReportingOverflow(by: cg * mg).partialValue >= minimumProducts else { return nil }
        return ranges
    }

    /// `w` (`[m, cg, kh, kw]`) regrouped by tap into `dst` (`[kh * kw, m, cg]`: tap t's weights
    /// are an m × cg matrix), what `run` reads with `regrouped`.
    static func regroup(w: UnsafePointer<Float>, wShape: [Int], into dst: UnsafeMutablePointer<Float>) {
        let m = wShape[0], cg = wShape[1], kSize = wShape[2...].reduce(1, *)
        parallelItems(m, costPerItem: cg * kSize) { o in
            let src = w + o * cg * kSize
            for t in 0..<kSize {
                let d = dst + (t * m + o) * cg
                var q = t
                for ic in 0..<cg { d[ic] = src[q]; q &+= kSize }
            }
        }
    }

    /// `y` (`[n, m, oh, ow]`) = bias + the convolution of `x` (`[n, c, ih, iw]`) with `w`
    /// (`[m, c / group, kh, kw]`), then `epilogue`, with `ranges` from `plan` (or
    /// `liveOutputs` on both axes). Writes every output. `blockBudget`: floats of regrouped
    /// weights per block of output channels (tests force several blocks). `regrouped`: the
    /// weights as `regroup` writes them, read in place (one block of the group's channels);
    /// then `w` is not read.
    static func run(x: UnsafePointer<Float>, xShape: [Int], w: UnsafePointer<Float>, wShape: [Int],
                    bias: UnsafePointer<Float>?, geom: SpatialGeometry, group: Int, ranges: [[Range<Int>]],
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, blockBudget: Int = blockBudget,
                    regrouped: UnsafePointer<Float>? = nil) {
        let n = xShape[0], c = xShape[1], m = wShape[0], cg = c / group, mg = m / group
        let ih = xShape[2], iw = xShape[3], oh = geom.output[0], ow = geom.output[1]
        let kh = geom.kernel[0], kw = geom.kernel[1], kSize = kh * kw
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let inSize = ih * iw, outSize = oh * ow
        if n * m * outSize == 0 { return }
        for i in 0..<(n * m) { (y + i * outSize).update(repeating: bias?[i % m] ?? 0, count: outSize) }
        // The live taps (those with a non-empty rectangle) and where each one's input window
        // is: in place when it is one run per channel, else gathered (all of them once per
        // batch item and group, before the blocks of output channels).
        var taps: [(ky: Int, kx: Int, rows: Range<Int>, cols: Range<Int>, offset: Int)] = []
        var gatheredCount = 0
        for ky in 0..<kh {
            for kx in 0..<kw {
                let rows = ranges[0][ky], cols = ranges[1][kx]
                if rows.isEmpty || cols.isEmpty { continue }
                let inPlace = sw == 1 && (rows.count == 1 || (sh == 1 && cols.count == iw))
                taps.append((ky, kx, rows, cols, inPlace ? -1 : gatheredCount))
                if !inPlace { gatheredCount += cg * rows.count * cols.count }
            }
        }
        // Output channels in blocks whose weights, regrouped by tap (wt[t][j][ic] =
        // w[o0 + j][ic][tap t]), stay in cache (about 1 MB) for the taps' products: regrouping
        // all of them first wrote and re-read a copy of the weights from memory.
        let live = taps.count
        let block = regrouped != nil ? max(1, mg) : max(1, min(mg, blockBudget / max(1, cg * live)))
        let maxN = taps.reduce(0) { max($0, $1.rows.count * $1.cols.count) }
        let wtCount = regrouped != nil ? 0 : live * block * cg, productCount = block * maxN
        let scratchCount = max(1, wtCount + productCount + gatheredCount)
        let scratch = ScratchMemory.allocate(Float.self, count: scratchCount)
        defer { ScratchMemory.release(scratch, count: scratchCount) }
        let wt = scratch, product = scratch + wtCount, gathered = scratch + wtCount + productCount
        for b in 0..<n {
            for gi in 0..<group {
                let xg = x + (b * c + gi * cg) * inSize
                for tap in taps where tap.offset >= 0 {
                    let rh = tap.rows.count, rw = tap.cols.count, count = rh * rw
                    let iy0 = tap.rows.lowerBound * sh - ph + tap.ky * dh, ix0 = tap.cols.lowerBound * sw - pw + tap.kx * dw
                    parallelItems(cg, costPerItem: count) { ic in
                        let dst = gathered + tap.offset + ic * count, src = xg + ic * inSize + ix0
                        for i in 0..<rh {
                            let line = src + (iy0 + i * sh) * iw, d = dst + i * rw
                            if sw == 1 {
                                d.update(from: line, count: rw)
                            } else {
                                for j in 0..<rw { d[j] = line[j * sw] }
                            }
                        }
                    }
                }
                var o0 = 0
                while o0 < mg {
                    let nb = min(block, mg - o0)
                    // One tap at a time per output channel (reads along its row of weights).
                    if regrouped == nil { parallelItems(nb, costPerItem: cg * kSize) { j in
                        let src = w + (gi * mg + o0 + j) * cg * kSize
                        for (l, tap) in taps.enumerated() {
                            let d = wt + (l * nb + j) * cg
                            var q = tap.ky * kw + tap.kx
                            for ic in 0..<cg { d[ic] = src[q]; q &+= kSize }
                        }
                    } }
                    let yo = y + (b * m + gi * mg + o0) * outSize
                    for (l, tap) in taps.enumerated() {
                        let rh = tap.rows.count, rw = tap.cols.count, count = rh * rw
                        let iy0 = tap.rows.lowerBound * sh - ph + tap.ky * dh, ix0 = tap.cols.lowerBound * sw - pw + tap.kx * dw
                        let bp: UnsafePointer<Float> = tap.offset < 0 ? xg + iy0 * iw + ix0 : UnsafePointer(gathered + tap.offset)
                        let ldb = tap.offset < 0 ? inSize : count
                        let a = regrouped.map { $0 + ((tap.ky * kw + tap.kx) * m + gi * mg + o0) * cg } ?? UnsafePointer(wt + l * nb * cg)
                        let threads = nb * cg * count >= 1 << 18 ? kernelThreads : 1
                        if rw == ow {
                            // Whole rows of the output: the product adds to them in place.
                            sgemm(transA: false, transB: false, m: nb, n: count, k: cg, alpha: 1, a: a, lda: cg,
                                  b: bp, ldb: ldb, beta: 1, c: yo + tap.rows.lowerBound * ow, ldc: outSize, threads: threads)
                        } else {
                            sgemm(transA: false, transB: false, m: nb, n: count, k: cg, alpha: 1, a: a, lda: cg,
                                  b: bp, ldb: ldb, beta: 0, c: product, ldc: count, threads: threads)
                            parallelItems(nb, costPerItem: count) { j in
                                let p = product + j * count, dst = yo + j * outSize + tap.rows.lowerBound * ow + tap.cols.lowerBound
                                for i in 0..<rh {
                                    let d = dst + i * ow, s = p + i * rw
                                    for q in 0..<rw { d[q] += s[q] }
                                }
                            }
                        }
                    }
                    o0 += nb
                }
            }
        }
        if let epilogue {
            parallelItems(n * m, costPerItem: outSize) { i in epilogue.apply(y + i * outSize, outSize) }
        }
    }
}
