import SurgeonTensor

/// GridSample's fast kernel for float32 with two spatial axes (`[N, C, H, W]`, the only
/// form PyTorch's grid_sample exports): per output position the live taps of each axis are
/// worked out once into fixed scratch (no arrays per position, as the any-rank plain kernel
/// in GridSample.swift builds), then every channel sums its at most 4 × 4 pixels in Float.
/// Same coordinate mapping, padding modes and zero-pixel rule (a tap outside the input under
/// `zeros` is skipped, not read) as the plain kernel, which the tests compare it with.
enum GridSampleFloat {
    enum Mode { case nearest, linear, cubic }
    enum Padding { case zeros, border, reflection }

    /// One axis's live taps for grid value `g` written to `index` (times `stride`) and
    /// `weight`, in order, taps on a zero pixel (`zeros` padding, outside the input) left out;
    /// returns how many (at most 4), or nil when the position is not finite or too large.
    @inline(__always)
    static func axisTaps(_ g: Double, dim d: Int, stride: Int, align: Bool, mode: Mode, padding: Padding,
                         index: UnsafeMutablePointer<Int>, weight: UnsafeMutablePointer<Float>) -> Int? {
        let len = Double(d)
        let lo = align ? 0.0 : -0.5, hi = align ? len - 1 : len - 0.5
        var p = align ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2
        if mode == .nearest { p = p.rounded(.toNearestOrEven) }
        if p < lo || p > hi {
            if padding == .border { p = min(max(p, 0), len - 1) }
            else if padding == .reflection { p = GridSample.reflect(p, lo, hi) }
        }
        guard p.isFinite, abs(p) < 1e12 else { return nil }
        var count = 0
        @inline(__always) func add(_ i: Int, _ w: Double) {
            let at: Int
            switch padding {
            case .zeros:
                guard i >= 0 && i < d else { return }
                at = i
            case .border: at = min(max(i, 0), d - 1)
            case .reflection: at = min(max(Int(GridSample.reflect(Double(i), lo, hi)), 0), d - 1)
            }
            index[count] = at * stride
            weight[count] = Float(w)
            count += 1
        }
        switch mode {
        case .nearest: add(Int(p), 1)
        case .linear:
            let f = p.rounded(.down), w = p - f
            add(Int(f), 1 - w)
            add(Int(f) + 1, w)
        case .cubic:
            let f = p.rounded(.down), w = GridSample.cubic(p - f)
            for k in 0..<4 { add(Int(f) - 1 + k, w[k]) }
        }
        return count
    }

    /// The sampled tensor, or nil when this kernel does not apply (not float32 rank 4, a mode
    /// or padding the plain kernel names) or a grid value is out of range (the plain kernel
    /// reports it).
    static func sample(_ x: Tensor, _ grid: Tensor, mode: String, padding: String, align: Bool) throws -> Tensor? {
        let m: Mode, pad: Padding
        switch mode {
        case "nearest": m = .nearest
        case "linear", "bilinear": m = .linear
        case "cubic", "bicubic": m = .cubic
        default: return nil
        }
        switch padding {
        case "zeros": pad = .zeros
        case "border": pad = .border
        case "reflection": pad = .reflection
        default: return nil
        }
        guard x.dtype == .float32, grid.dtype == .float32, x.rank == 4, grid.rank == 4,
              grid.shape[0] == x.shape[0], grid.shape[3] == 2 else { return nil }
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let oh = grid.shape[1], ow = grid.shape[2], outSize = oh * ow
        // Position by position: its live taps are worked out once into fixed scratch (row
        // offsets, then column offsets), then every channel sums its at most 4 x 4 pixels.
        var ok = true
        let index = UnsafeMutablePointer<Int>.allocate(capacity: 8)
        let weight = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        defer { index.deallocate(); weight.deallocate() }
        let y = try grid.withUnsafeBuffer(of: Float.self) { g in
            try x.withUnsafeBuffer(of: Float.self) { src in
                try Tensor.buildOverwriting([n, c, oh, ow], of: Float.self) { dst in
                    guard let gb = g.baseAddress, let sb = src.baseAddress, let db = dst.baseAddress else { return }
                    for b in 0..<n {
                        let item = sb + b * c * h * w, outItem = db + b * c * outSize
                        for o in 0..<outSize {
                            let q = b * outSize + o
                            // The last grid component is the innermost axis (x = W), then y = H.
                            guard let ny = axisTaps(Double(gb[2 * q + 1]), dim: h, stride: w, align: align, mode: m,
                                                    padding: pad, index: index, weight: weight),
                                  let nx = axisTaps(Double(gb[2 * q]), dim: w, stride: 1, align: align, mode: m,
                                                    padding: pad, index: index + 4, weight: weight + 4) else {
                                ok = false
                                return
                            }
                            for ch in 0..<c {
                                let plane = item + ch * h * w
                                var s: Float = 0
                                for i in 0..<ny {
                                    let row = plane + index[i]
                                    var rs: Float = 0
                                    for j in 0..<nx { rs += weight[4 + j] * row[index[4 + j]] }
                                    s += weight[i] * rs
                                }
                                outItem[ch * outSize + o] = s
                            }
                        }
                    }
                }
            }
        }
        return ok ? y : nil
    }
}
