import SurgeonTensor

/// Resize's fast kernel for float32 when only the last two axes change size (bilinear
/// upsampling of NCHW logits in segmentation heads, nearest upsampling in U-Nets). The plain
/// kernel (`Resize.plainResize`) computes in Double through bounds-checked arrays, one axis
/// at a time over the whole tensor: 59 ms for LRASPP's 21×28×28 → 21×224×224. Here each plane
/// is interpolated along W into a buffer of its input rows, then along H one output row at a
/// time, in Float, planes split over the kernel threads. The taps (source positions and
/// weights) come from `Resize.taps`, so every mode, coordinate transformation, antialias,
/// exclude_outside and extrapolation the plain kernel handles is handled the same way; taps
/// of weight zero are skipped as there (a NaN under a zero weight stays out).
enum ResizeFloat {
    /// One axis's taps, flattened: output position j reads `index[start[j]..<start[j+1]]`
    /// with `weight`, or is outside the roi (`extrapolated`, tf_crop_and_resize).
    struct AxisTaps {
        var start: [Int32] = [0]
        var index: [Int32] = []
        var weight: [Float] = []
        var extrapolated: [Bool] = []
        var weightSum: [Float] = []

        init(_ taps: [Resize.Taps]) {
            for t in taps {
                var sum = 0.0
                for (i, w) in zip(t.index, t.weight) where w != 0 {
                    index.append(Int32(truncatingIfNeeded: i))
                    weight.append(Float(w))
                    sum += w
                }
                start.append(Int32(truncatingIfNeeded: index.count))
                extrapolated.append(t.extrapolated)
                weightSum.append(Float(sum))
            }
        }

        /// Identity: position j reads j with weight 1 (an axis the plain kernel leaves alone).
        init(identity n: Int) {
            for j in 0..<n {
                index.append(Int32(truncatingIfNeeded: j))
                weight.append(1)
                start.append(Int32(truncatingIfNeeded: j + 1))
                extrapolated.append(false)
                weightSum.append(1)
            }
        }
    }

    /// The resized tensor, or nil when this kernel does not apply (not float32, rank < 2, a
    /// leading axis resized, sizes past Int32).
    static func resize(_ x: Tensor, scales: [Double], outSize: [Int], roi: [Double]?, axes order: [Int],
                       cfg: Resize.Config) throws -> Tensor? {
        let r = x.rank
        // Outside the roi, the axis resized last decides the value: here H then W.
        if cfg.coordMode == "tf_crop_and_resize",
           let h = order.firstIndex(of: r - 2), let w = order.firstIndex(of: r - 1), w < h { return nil }
        guard x.dtype == .float32, r >= 2, scales.count == r, outSize.count == r,
              x.shape.allSatisfy({ $0 < Int(Int32.max) }), outSize.allSatisfy({ $0 < Int(Int32.max) }) else { return nil }
        func unchanged(_ d: Int) -> Bool {
            scales[d] == 1 && outSize[d] == x.shape[d] && (roi == nil || (roi?[d] == 0 && roi?[d + r] == 1))
        }
        for d in 0..<(r - 2) where !unchanged(d) { return nil }
        var axes: [AxisTaps] = []
        for d in (r - 2)..<r {
            if unchanged(d) {
                axes.append(AxisTaps(identity: x.shape[d]))
            } else {
                let t = try Resize.taps(inSize: x.shape[d], outSize: outSize[d], scale: scales[d],
                                        roi: roi.map { ($0[d], $0[d + r]) }, cfg: cfg)
                guard t.count == outSize[d] else { return nil }
                axes.append(AxisTaps(t))
            }
        }
        let th = axes[0], tw = axes[1]
        let ih = x.shape[r - 2], iw = x.shape[r - 1], oh = outSize[r - 2], ow = outSize[r - 1]
        let planes = x.shape[..<(r - 2)].reduce(1, *)
        let extrapolation = Float(cfg.extrapolation)
        let bufCount = max(1, ih * ow)
        let extrapolatedColumns = tw.extrapolated.contains(true)
        let planeCost = max(1, ih * ow * 2 + oh * ow * 2)
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.buildOverwriting(outSize, of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress, planes > 0, oh > 0, ow > 0 else { return }
                th.start.withUnsafeBufferPointer { hs in th.index.withUnsafeBufferPointer { hi in
                th.weight.withUnsafeBufferPointer { hw in tw.start.withUnsafeBufferPointer { ws in
                tw.index.withUnsafeBufferPointer { wi in tw.weight.withUnsafeBufferPointer { ww in
                    parallelChunks(planes, grain: max(1, parallelGrain / planeCost)) { chunk in
                        let buf = ScratchMemory.allocate(Float.self, count: bufCount)
                        defer { ScratchMemory.release(buf, count: bufCount) }
                        for p in chunk {
                            let plane = sb + p * ih * iw
                            // Along W: every input row, into buf (ih × ow).
                            for y in 0..<ih {
                                let row = plane + y * iw, out = buf + y * ow
                                for j in 0..<ow {
                                    var s: Float = 0
                                    for t in Int(ws[j])..<Int(ws[j + 1]) { s += ww[t] * row[Int(wi[t])] }
                                    out[j] = s
                                }
                            }
                            // Along H: each output row from the buffered rows it reads.
                            let plOut = db + p * oh * ow
                            for i in 0..<oh {
                                let out = plOut + i * ow
                                let t0 = Int(hs[i]), t1 = Int(hs[i + 1])
                                if th.extrapolated[i] {
                                    for j in 0..<ow { out[j] = extrapolation * tw.weightSum[j] }
                                } else if t1 - t0 == 2 {
                                    let a = buf + Int(hi[t0]) * ow, b = buf + Int(hi[t0 + 1]) * ow
                                    let wa = hw[t0], wb = hw[t0 + 1]
                                    for j in 0..<ow { out[j] = wa * a[j] + wb * b[j] }
                                } else if t1 - t0 == 1 {
                                    let a = buf + Int(hi[t0]) * ow
                                    let wa = hw[t0]
                                    for j in 0..<ow { out[j] = wa * a[j] }
                                } else {
                                    for j in 0..<ow { out[j] = 0 }
                                    for t in t0..<t1 {
                                        let a = buf + Int(hi[t]) * ow
                                        let wa = hw[t]
                                        for j in 0..<ow { out[j] += wa * a[j] }
                                    }
                                }
                                if extrapolatedColumns {
                                    for j in 0..<ow where tw.extrapolated[j] { out[j] = extrapolation }
                                }
                            }
                        }
                    }
                } } } } } }
            }
        }
    }
}
