import SurgeonTensor

/// GridSample's fast kernel for float32 with two spatial axes (`[N, C, H, W]`, the only
/// form PyTorch's grid_sample exports): per output position the taps of each axis are worked
/// out once into fixed storage (no arrays per position, as the any-rank plain kernel in
/// GridSample.swift builds), then every channel sums its at most 4 × 4 pixels in Float.
/// Same coordinate mapping, padding modes and zero-pixel rule (a tap outside the input under
/// `zeros` is skipped, not read) as the plain kernel, which the tests compare it with.
enum GridSampleFloat {
    /// One axis's taps: `count` (index, weight) pairs; index -1 is a zero pixel.
    struct AxisTaps {
        var count = 0
        var index = SIMD4<Int>(repeating: -1)
        var weight = SIMD4<Float>()
    }

    static func axisTaps(_ g: Double, dim d: Int, align: Bool, mode: String, padding: String) -> AxisTaps? {
        let len = Double(d)
        let lo = align ? 0.0 : -0.5, hi = align ? len - 1 : len - 0.5
        var p = align ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2
        if mode == "nearest" { p = p.rounded(.toNearestOrEven) }
        if p < lo || p > hi {
            if padding == "border" { p = min(max(p, 0), len - 1) }
            else if padding == "reflection" { p = GridSample.reflect(p, lo, hi) }
        }
        guard p.isFinite, abs(p) < 1e12 else { return nil }
        var t = AxisTaps()
        func add(_ i: Int, _ w: Double) {
            let k = t.count
            t.count += 1
            t.weight[k] = Float(w)
            switch padding {
            case "zeros": t.index[k] = (i >= 0 && i < d) ? i : -1
            case "border": t.index[k] = min(max(i, 0), d - 1)
            default: t.index[k] = min(max(Int(GridSample.reflect(Double(i), lo, hi)), 0), d - 1)
            }
        }
        switch mode {
        case "nearest": add(Int(p), 1)
        case "linear":
            let f = p.rounded(.down), w = p - f
            add(Int(f), 1 - w)
            add(Int(f) + 1, w)
        default:
            let f = p.rounded(.down), w = GridSample.cubic(p - f)
            for k in 0..<4 { add(Int(f) - 1 + k, w[k]) }
        }
        return t
    }

    /// The sampled tensor, or nil when this kernel does not apply (not float32 rank 4) or a
    /// grid value is out of range (the plain kernel reports it).
    static func sample(_ x: Tensor, _ grid: Tensor, mode: String, padding: String, align: Bool) throws -> Tensor? {
        guard x.dtype == .float32, grid.dtype == .float32, x.rank == 4, grid.rank == 4,
              grid.shape[0] == x.shape[0], grid.shape[3] == 2 else { return nil }
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let oh = grid.shape[1], ow = grid.shape[2], outSize = oh * ow
        var ty = [AxisTaps](repeating: AxisTaps(), count: n * outSize)
        var tx = ty
        let ok = try grid.withUnsafeBuffer(of: Float.self) { g -> Bool in
            for q in 0..<(n * outSize) {
                // The last grid component is the innermost axis (x = W), then y = H.
                guard let a = axisTaps(Double(g[2 * q + 1]), dim: h, align: align, mode: mode, padding: padding),
                      let b = axisTaps(Double(g[2 * q]), dim: w, align: align, mode: mode, padding: padding) else { return false }
                ty[q] = a
                tx[q] = b
            }
            return true
        }
        guard ok else { return nil }
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.buildOverwriting([n, c, oh, ow], of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress else { return }
                for b in 0..<n {
                    for ch in 0..<c {
                        let plane = sb + (b * c + ch) * h * w
                        let out = db + (b * c + ch) * outSize
                        for o in 0..<outSize {
                            let yt = ty[b * outSize + o], xt = tx[b * outSize + o]
                            var s: Float = 0
                            for i in 0..<yt.count {
                                let yi = yt.index[i]
                                if yi < 0 { continue }
                                let row = plane + yi * w
                                var rs: Float = 0
                                for j in 0..<xt.count {
                                    let xi = xt.index[j]
                                    if xi >= 0 { rs += xt.weight[j] * row[xi] }
                                }
                                s += yt.weight[i] * rs
                            }
                            out[o] = s
                        }
                    }
                }
            }
        }
    }
}
