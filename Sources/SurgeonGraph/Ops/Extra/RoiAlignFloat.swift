import SurgeonTensor

/// RoiAlign's fast kernel for float32 `avg` mode (the form torchvision exports): X is first
/// laid out channels-last (`[N, H, W, C]`, once per call), so each bilinear tap of a region's
/// bin reads C contiguous floats and all channels accumulate with vector adds; a region's
/// `[bins, C]` sums are then transposed into the `[C, outH, outW]` output. Regions are split
/// over the kernel threads. Sampling positions and weights come from the plain kernel's
/// `RoiAlign.sampling` (in Double; the tests compare the two kernels), the 1 / count
/// average is folded into the weights, and sums are in Float.
enum RoiAlignFloat {
    /// One region's taps: for bin `b`, taps `b * tapsPerBin ..< (b + 1) * tapsPerBin` (4 per
    /// sampling point) as channels-last element offsets into the image and Float weights.
    static func regionTaps(box: (Double, Double, Double, Double), roi: Int, scale: Double, halfPixel: Bool,
                           outH: Int, outW: Int, ratio: Int, height: Int, width: Int,
                           channels: Int) throws -> (grid: (Int, Int), pos: [Int], w: [Float]) {
        let (grid, samples) = try RoiAlign.sampling(box: box, roi: roi, scale: scale, halfPixel: halfPixel, outH: outH,
                                                    outW: outW, ratio: ratio, height: height, width: width)
        let inv = 1 / Double(max(grid.0 * grid.1, 1))
        var pos = [Int](repeating: 0, count: samples.count * 4), w = [Float](repeating: 0, count: samples.count * 4)
        for (i, s) in samples.enumerated() {
            let k = i * 4
            pos[k] = s.pos.0 * channels; w[k] = Float(s.w.0 * inv)
            pos[k + 1] = s.pos.1 * channels; w[k + 1] = Float(s.w.1 * inv)
            pos[k + 2] = s.pos.2 * channels; w[k + 2] = Float(s.w.2 * inv)
            pos[k + 3] = s.pos.3 * channels; w[k + 3] = Float(s.w.3 * inv)
        }
        return (grid, pos, w)
    }

    /// The pooled tensor, or nil when this kernel does not apply (not float32 X, or `max` mode).
    /// Arguments are checked by the caller (RoiAlign.run).
    static func pool(_ x: Tensor, box: [Double], batches: [Int64], outH: Int, outW: Int, ratio: Int,
                     scale: Double, halfPixel: Bool, mode: String) throws -> Tensor? {
        guard x.dtype == .float32, x.rank == 4, mode == "avg" else { return nil }
        let (n, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let nRois = batches.count, bins = outH * outW, plane = height * width
        guard box.count == nRois * 4 else { return nil }
        for b in batches where b < 0 || b >= Int64(n) {
            throw TensorError("RoiAlign: batch index \(b) is out of range 0..<\(n)")
        }
        // Every region's taps first (they may throw); offsets are into one image.
        var taps: [(pos: [Int], w: [Float])] = []
        taps.reserveCapacity(nRois)
        for r in 0..<nRois {
            let t = try regionTaps(box: (box[r * 4], box[r * 4 + 1], box[r * 4 + 2], box[r * 4 + 3]), roi: r, scale: scale,
                                   halfPixel: halfPixel, outH: outH, outW: outW, ratio: ratio,
                                   height: height, width: width, channels: channels)
            taps.append((t.pos, t.w))
        }
        let imageCount = n * plane * channels
        let nhwc = ScratchMemory.allocate(Float.self, count: max(imageCount, 1))
        defer { ScratchMemory.release(nhwc, count: max(imageCount, 1)) }
        try x.withUnsafeBuffer(of: Float.self) { src in
            guard let s = src.baseAddress else { return }
            for b in 0..<n {
                for c in 0..<channels {
                    let from = s + (b * channels + c) * plane, to = nhwc + b * plane * channels + c
                    for i in 0..<plane { to[i * channels] = from[i] }
                }
            }
        }
        let cost = max(bins * (taps.first?.w.count ?? 0) / max(bins, 1) * channels * bins, 1)
        return try Tensor.buildOverwriting([nRois, channels, outH, outW], of: Float.self) { dst in
            guard let out = dst.baseAddress else { return }
            parallelChunks(nRois, grain: max(1, parallelGrain / cost)) { chunk in
                let sums = ScratchMemory.allocate(Float.self, count: max(bins * channels, 1))
                defer { ScratchMemory.release(sums, count: max(bins * channels, 1)) }
                for r in chunk {
                    let image = UnsafePointer(nhwc + Int(batches[r]) * plane * channels)
                    let t = taps[r]
                    let perBin = t.w.count / max(bins, 1)
                    t.pos.withUnsafeBufferPointer { pos in
                        t.w.withUnsafeBufferPointer { w in
                            guard let pos = pos.baseAddress, let w = w.baseAddress else { return }
                            for bin in 0..<bins {
                                accumulate(image, pos + bin * perBin, w + bin * perBin, perBin,
                                           into: sums + bin * channels, channels: channels)
                            }
                        }
                    }
                    // [bins, C] -> [C, bins]
                    let o = out + r * channels * bins
                    for c in 0..<channels {
                        for bin in 0..<bins { o[c * bins + bin] = sums[bin * channels + c] }
                    }
                }
            }
        }
    }

    /// `dst[c] = sum over taps k of w[k] * image[pos[k] + c]` for `c < channels`, 32 channels
    /// at a time in registers.
    @inline(__always)
    static func accumulate(_ image: UnsafePointer<Float>, _ pos: UnsafePointer<Int>, _ w: UnsafePointer<Float>,
                           _ count: Int, into dst: UnsafeMutablePointer<Float>, channels: Int) {
        typealias V = SIMD8<Float>
        var c = 0
        while c + 32 <= channels {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            for k in 0..<count {
                let p = UnsafeRawPointer(image + pos[k] + c), s = V(repeating: w[k])
                a0 += s * p.loadUnaligned(as: V.self)
                a1 += s * p.loadUnaligned(fromByteOffset: 32, as: V.self)
                a2 += s * p.loadUnaligned(fromByteOffset: 64, as: V.self)
                a3 += s * p.loadUnaligned(fromByteOffset: 96, as: V.self)
            }
            let d = UnsafeMutableRawPointer(dst + c)
            d.storeBytes(of: a0, as: V.self)
            d.storeBytes(of: a1, toByteOffset: 32, as: V.self)
            d.storeBytes(of: a2, toByteOffset: 64, as: V.self)
            d.storeBytes(of: a3, toByteOffset: 96, as: V.self)
            c += 32
        }
        while c + 8 <= channels {
            var a = V()
            for k in 0..<count { a += V(repeating: w[k]) * UnsafeRawPointer(image + pos[k] + c).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(dst + c).storeBytes(of: a, as: V.self)
            c += 8
        }
        while c < channels {
            var a: Float = 0
            for k in 0..<count { a += w[k] * image[pos[k] + c] }
            dst[c] = a
            c += 1
        }
    }
}
