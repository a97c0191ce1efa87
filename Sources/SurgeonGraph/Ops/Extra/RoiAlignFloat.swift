import SurgeonTensor

/// RoiAlign's fast kernel for float32 `avg` mode (the form torchvision exports): X is first
/// laid out channels-last (`[N, H, W, C]`, once per call), so each bilinear tap of a region's
/// bin reads C contiguous floats and all channels accumulate with vector adds; a region's
/// `[bins, C]` sums are then transposed into the `[C, outH, outW]` output. Regions are split
/// over the kernel threads. Sampling positions and weights are worked out in Double exactly
/// as the plain kernel in RoiAlign.swift (which the tests compare it with) does, the 1 / count
/// average is folded into the weights, and sums are in Float.
enum RoiAlignFloat {
    /// One region's taps: for bin `b`, taps `b * tapsPerBin ..< (b + 1) * tapsPerBin` (4 per
    /// sampling point) as channels-last element offsets into the image and Float weights.
    static func regionTaps(box: (Double, Double, Double, Double), scale: Double, halfPixel: Bool,
                           outH: Int, outW: Int, ratio: Int, height: Int, width: Int,
                           channels: Int) throws -> (grid: (Int, Int), pos: [Int], w: [Float]) {
        let offset = halfPixel ? 0.5 : 0
        let startW = box.0 * scale - offset, startH = box.1 * scale - offset
        let endW = box.2 * scale - offset, endH = box.3 * scale - offset
        var roiW = endW - startW, roiH = endH - startH
        if !halfPixel { roiW = max(roiW, 1); roiH = max(roiH, 1) }
        guard roiW.isFinite, roiH.isFinite else { throw TensorError("RoiAlign: a roi is not finite") }
        let binH = roiH / Double(outH), binW = roiW / Double(outW)
        let gh = ratio > 0 ? Double(ratio) : (max(roiH, 0) / Double(outH)).rounded(.up)
        let gw = ratio > 0 ? Double(ratio) : (max(roiW, 0) / Double(outW)).rounded(.up)
        guard gh <= 65536, gw <= 65536 else { throw TensorError("RoiAlign: a roi is too large") }
        let gridH = Int(gh), gridW = Int(gw)
        let inv = 1 / Double(max(gridH * gridW, 1))
        let n = outH * outW * gridH * gridW * 4
        var pos = [Int](repeating: 0, count: n), w = [Float](repeating: 0, count: n)
        var k = 0
        for ph in 0..<outH {
            for pw in 0..<outW {
                for iy in 0..<gridH {
                    let y0 = startH + Double(ph) * binH + (Double(iy) + 0.5) * binH / Double(gridH)
                    for ix in 0..<gridW {
                        var xx = startW + Double(pw) * binW + (Double(ix) + 0.5) * binW / Double(gridW)
                        var y = y0
                        if y < -1 || y > Double(height) || xx < -1 || xx > Double(width) || height == 0 || width == 0 {
                            k += 4 // offsets 0, weights 0 (as the plain kernel: 0 * pixel 0)
                            continue
                        }
                        y = max(y, 0); xx = max(xx, 0)
                        var yLow = Int(y), xLow = Int(xx), yHigh: Int, xHigh: Int
                        if yLow >= height - 1 { yLow = height - 1; yHigh = yLow; y = Double(yLow) } else { yHigh = yLow + 1 }
                        if xLow >= width - 1 { xLow = width - 1; xHigh = xLow; xx = Double(xLow) } else { xHigh = xLow + 1 }
                        let ly = y - Double(yLow), lx = xx - Double(xLow), hy = 1 - ly, hx = 1 - lx
                        pos[k] = (yLow * width + xLow) * channels; w[k] = Float(hy * hx * inv)
                        pos[k + 1] = (yLow * width + xHigh) * channels; w[k + 1] = Float(hy * lx * inv)
                        pos[k + 2] = (yHigh * width + xLow) * channels; w[k + 2] = Float(ly * hx * inv)
                        pos[k + 3] = (yHigh * width + xHigh) * channels; w[k + 3] = Float(ly * lx * inv)
                        k += 4
                    }
                }
            }
        }
        return ((gridH, gridW), pos, w)
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
            let t = try regionTaps(box: (box[r * 4], box[r * 4 + 1], box[r * 4 + 2], box[r * 4 + 3]), scale: scale,
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
