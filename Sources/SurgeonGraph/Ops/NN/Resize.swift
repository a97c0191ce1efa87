import Foundation
import SurgeonTensor

/// Resize (opset 10, 11, 13, 18, 19): nearest / linear / cubic interpolation, separable along
/// each resized axis, with every coordinate_transformation_mode, nearest_mode, antialias,
/// exclude_outside, extrapolation_value, keep_aspect_ratio_policy and axes. Output sizes come
/// from `scales` (floor(in * scale)) or `sizes`. Computed in Double; integer outputs are
/// rounded and saturated like the ONNX reference.
enum Resize {
    static func register(_ r: inout OpRegistry) {
        r.register("Resize", since: 10) { ctx in
            // Opset 10: Resize(X, scales) with Upsample's semantics.
            let x = try ctx.tensor(0)
            let scales = try ctx.tensor(1).doubleArray()
            let mode = try ctx.string("mode", "nearest")
            return [.tensor(try upsampleLike(x, scales: scales, mode: mode, op: "Resize"))]
        }
        r.register("Resize", since: 11) { ctx in [.tensor(try run(ctx))] }
    }

    struct Config {
        var mode = "nearest"
        var coordMode = "half_pixel"
        var nearestMode = "round_prefer_floor"
        var cubicA = -0.75
        var excludeOutside = false
        var extrapolation = 0.0
        var antialias = false
    }

    static func run(_ ctx: OpContext) throws -> Tensor {
        let x = try ctx.tensor(0)
        let r = x.rank
        guard x.dtype.isNumeric else { throw ctx.error("X must be numeric, got \(x.typeDescription)") }
        var cfg = Config()
        cfg.mode = try ctx.string("mode", "nearest")
        cfg.coordMode = try ctx.string("coordinate_transformation_mode", "half_pixel")
        cfg.nearestMode = try ctx.string("nearest_mode", "round_prefer_floor")
        cfg.cubicA = Double(try ctx.float("cubic_coeff_a", -0.75))
        cfg.excludeOutside = try ctx.int("exclude_outside", 0) != 0
        cfg.extrapolation = Double(try ctx.float("extrapolation_value", 0))
        cfg.antialias = try ctx.int("antialias", 0) != 0
        guard ["nearest", "linear", "cubic"].contains(cfg.mode) else { throw ctx.error("unknown mode '\(cfg.mode)'") }
        if cfg.mode == "nearest" && cfg.antialias { throw ctx.error("antialias is not supported for nearest mode") }
        let policy = try ctx.string("keep_aspect_ratio_policy", "stretch")

        var axes = Array(0..<r)
        if let a = try ctx.ints("axes") {
            axes = try a.map { try normalizeAxis($0, rank: r, op: "Resize") }
            guard Set(axes).count == axes.count else { throw ctx.error("axes contain duplicates") }
        }
        let n = axes.count

        var roi: [Double]? = nil
        if let rt = try ctx.optionalTensor(1), rt.count > 0 {
            let v = rt.doubleArray()
            guard v.count == 2 * n else { throw ctx.error("roi needs \(2 * n) values, got \(v.count)") }
            var full = Array(repeating: 0.0, count: r) + Array(repeating: 1.0, count: r)
            for (i, d) in axes.enumerated() { full[d] = v[i]; full[r + d] = v[n + i] }
            roi = full
        }
        if cfg.coordMode == "tf_crop_and_resize" && roi == nil { throw ctx.error("tf_crop_and_resize needs roi") }

        var scales = Array(repeating: 1.0, count: r)
        var outSize = x.shape
        let scalesT = try ctx.optionalTensor(2)
        let sizesT = try ctx.optionalTensor(3)
        if let st = scalesT, st.count > 0 {
            if let sz = sizesT, sz.count > 0 { throw ctx.error("only one of scales and sizes may be given") }
            let v = st.doubleArray()
            guard v.count == n else { throw ctx.error("scales needs \(n) values, got \(v.count)") }
            for (i, d) in axes.enumerated() {
                guard v[i] > 0, v[i].isFinite else { throw ctx.error("scales must be positive") }
                scales[d] = v[i]
                let o = (v[i] * Double(x.shape[d])).rounded(.down)
                guard o < 1e12 else { throw ctx.error("output too large") }
                outSize[d] = Int(o)
            }
        } else if let sz = sizesT, sz.count > 0 {
            let v = sz.intArray()
            guard v.count == n else { throw ctx.error("sizes needs \(n) values, got \(v.count)") }
            guard v.allSatisfy({ $0 >= 0 }) else { throw ctx.error("sizes must not be negative") }
            for (i, d) in axes.enumerated() {
                scales[d] = x.shape[d] == 0 ? 1 : Double(v[i]) / Double(x.shape[d])
                outSize[d] = v[i]
            }
            if policy != "stretch" {
                let sel = axes.map { scales[$0] }
                let s: Double
                switch policy {
                case "not_larger": s = sel.min() ?? 1
                case "not_smaller": s = sel.max() ?? 1
                default: throw ctx.error("unknown keep_aspect_ratio_policy '\(policy)'")
                }
                for d in axes {
                    scales[d] = s
                    outSize[d] = Int((s * Double(x.shape[d]) + 0.5).rounded(.down))
                }
            }
        } else {
            throw ctx.error("needs scales or sizes")
        }
        return try resize(x, scales: scales, outSize: outSize, roi: roi, axes: axes, cfg: cfg, ctx: ctx)
    }

    /// Interpolation taps for one output position: source indices (clamped) and weights.
    struct Taps {
        var index: [Int]
        var weight: [Double]
        var extrapolated: Bool
    }

    static func coefficients(_ ratio: Double, scale: Double, cfg: Config) throws -> [Double] {
        switch cfg.mode {
        case "nearest":
            if ratio == 1 || ratio == ratio.rounded() { return [0, 1] }
            switch cfg.nearestMode {
            case "round_prefer_floor": return ratio <= 0.5 ? [1, 0] : [0, 1]
            case "round_prefer_ceil": return ratio < 0.5 ? [1, 0] : [0, 1]
            case "floor": return [1, 0]
            case "ceil": return [0, 1]
            default: throw TensorError("Resize: unknown nearest_mode '\(cfg.nearestMode)'")
            }
        case "linear":
            if !cfg.antialias { return [1 - ratio, ratio] }
            let s = min(scale, 1)
            let start = Int((-1 / s).rounded(.down)) + 1
            let footprint = 2 - 2 * start
            var c = (0..<footprint).map { k in min(max(1 - abs((Double(start + k) - ratio) * s), 0), 1) }
            let sum = c.reduce(0, +)
            if sum != 0 { c = c.map { $0 / sum } }
            return c
        default:
            let A = cfg.cubicA
            if !cfg.antialias {
                let r1 = ratio + 1, q = 1 - ratio, q1 = q + 1
                return [
                    ((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A,
                    ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
                    ((A + 2) * q - (A + 3)) * q * q + 1,
                    ((A * q1 - 5 * A) * q1 + 8 * A) * q1 - 4 * A,
                ]
            }
            let s = min(scale, 1)
            let iStart = Int((-2 / s).rounded(.down)) + 1
            let iEnd = 2 - iStart
            var c: [Double] = []
            for i in iStart..<iEnd {
                let x = abs(s * (Double(i) - ratio))
                let x2 = x * x, x3 = x2 * x
                if x <= 1 { c.append((A + 2) * x3 - (A + 3) * x2 + 1) }
                else if x < 2 { c.append(A * x3 - 5 * A * x2 + 8 * A * x - 4 * A) }
                else { c.append(0) }
            }
            let sum = c.reduce(0, +)
            if sum != 0 { c = c.map { $0 / sum } }
            return c
        }
    }

    static func taps(inSize: Int, outSize: Int, scale: Double, roi: (Double, Double)?, cfg: Config) throws -> [Taps] {
        let inW = Double(inSize), outW = scale * inW
        var result: [Taps] = []
        result.reserveCapacity(outSize)
        for o in 0..<outSize {
            let y = Double(o)
            var xo: Double
            var extrapolated = false
            switch cfg.coordMode {
            case "align_corners": xo = outW == 1 ? 0 : y * (inW - 1) / (outW - 1)
            case "asymmetric": xo = y / scale
            case "tf_crop_and_resize":
                let (r0, r1) = roi ?? (0, 1)
                xo = outW == 1 ? (r1 - r0) * (inW - 1) / 2 : y * (r1 - r0) * (inW - 1) / (outW - 1)
                xo += r0 * (inW - 1)
                extrapolated = xo < 0 || xo > inW - 1
            case "pytorch_half_pixel": xo = outW == 1 ? -0.5 : (y + 0.5) / scale - 0.5
            case "half_pixel": xo = (y + 0.5) / scale - 0.5
            case "half_pixel_symmetric":
                let adjustment = Double(outSize) / outW
                let center = inW / 2
                xo = center * (1 - adjustment) + (y + 0.5) / scale - 0.5
            default: throw TensorError("Resize: unknown coordinate_transformation_mode '\(cfg.coordMode)'")
            }
            guard xo.isFinite, abs(xo) < 1e15 else { throw TensorError("Resize: source coordinate out of range") }
            let xi = xo.rounded(.down)
            let ratio = xo == xi ? 1.0 : xo - xi
            var c = try coefficients(ratio, scale: scale, cfg: cfg)
            let n = c.count
            let pad = (n + 1) / 2
            let xp = xo + Double(pad)
            let p = xp.rounded(.down)
            let frac = xp - p
            let off: Int
            if n % 2 == 0 { off = frac == 0 ? -(n / 2) : -(n / 2) + 1 } else {
                let base = -((n - 1) / 2)
                off = frac <= 0.5 ? base : base + 1
            }
            let start = Int(p) + off - pad
            var idx = (0..<n).map { start + $0 }
            if cfg.excludeOutside {
                for k in 0..<n where idx[k] < 0 || idx[k] >= inSize { c[k] = 0 }
                var s = c.reduce(0, +)
                if s == 0 { s = 1 }
                c = c.map { $0 / s }
            }
            idx = idx.map { min(max($0, 0), inSize - 1) }
            result.append(Taps(index: idx, weight: c, extrapolated: extrapolated))
        }
        return result
    }

    static func resize(_ x: Tensor, scales: [Double], outSize: [Int], roi: [Double]?, axes: [Int],
                       cfg: Config, ctx: OpContext?) throws -> Tensor {
        _ = try Tensor.checkedCount(outSize, dtype: x.dtype)
        if isIdentity(x, scales: scales, outSize: outSize, cfg: cfg) { return x }
        if x.count > 0, !outSize.contains(0),
           let y = try ResizeFloat.resize(x, scales: scales, outSize: outSize, roi: roi, axes: axes, cfg: cfg) {
            return y
        }
        return try plainResize(x, scales: scales, outSize: outSize, roi: roi, axes: axes, cfg: cfg, ctx: ctx)
    }

    /// Whether the resize maps every output position onto the same input position (sizes and
    /// scales 1 under a transformation that is then the identity): the input is the result,
    /// as Identity gives it (SSDLite resizes its 320x320 input to 320x320: 0.9 ms of
    /// interpolation with weights 1 and 0). onnxruntime returns the input too, so NaN / inf
    /// values do not spread through the 0 weights.
    static func isIdentity(_ x: Tensor, scales: [Double], outSize: [Int], cfg: Config) -> Bool {
        guard outSize == x.shape, scales.count == x.rank, scales.allSatisfy({ $0 == 1 }),
              ["nearest", "linear", "cubic"].contains(cfg.mode) else { return false }
        switch cfg.coordMode {
        // (pytorch_half_pixel reads -0.5 on a length-1 axis: its one value, clamped, again.)
        case "half_pixel", "asymmetric", "align_corners", "half_pixel_symmetric", "pytorch_half_pixel": return true
        default: return false
        }
    }

    /// The plain kernel, in Double, axis by axis (ResizeFloat is its float32 fast path).
    static func plainResize(_ x: Tensor, scales: [Double], outSize: [Int], roi: [Double]?, axes: [Int],
                            cfg: Config, ctx: OpContext?) throws -> Tensor {
        let r = x.rank
        _ = try Tensor.checkedCount(outSize, dtype: x.dtype)
        if x.count == 0 || outSize.contains(0) { return try Tensor(zeros: x.dtype, shape: outSize) }
        var data = x.doubleArray()
        var shape = x.shape
        for d in axes {
            if scales[d] == 1 && outSize[d] == shape[d] && (roi == nil || (roi?[d] == 0 && roi?[d + r] == 1)) { continue }
            let t = try taps(inSize: shape[d], outSize: outSize[d], scale: scales[d],
                             roi: roi.map { ($0[d], $0[d + r]) }, cfg: cfg)
            let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
            let inN = shape[d], outN = outSize[d]
            var out = [Double](repeating: 0, count: outer * outN * inner)
            for o in 0..<outer {
                for j in 0..<outN {
                    let tj = t[j]
                    let dst = (o * outN + j) * inner
                    if tj.extrapolated {
                        for k in 0..<inner { out[dst + k] = cfg.extrapolation }
                        continue
                    }
                    for (ti, w) in zip(tj.index, tj.weight) where w != 0 {
                        let src = (o * inN + ti) * inner
                        for k in 0..<inner { out[dst + k] += w * data[src + k] }
                    }
                    // A NaN source with zero weight still poisons numpy's dot; ignored here.
                }
            }
            data = out
            shape[d] = outN
        }
        return try saturatingTensor(data, shape: shape, dtype: x.dtype)
    }

    /// Upsample / Resize-10 semantics: asymmetric coordinates, nearest rounds down.
    static func upsampleLike(_ x: Tensor, scales: [Double], mode: String, op: String) throws -> Tensor {
        guard scales.count == x.rank else { throw TensorError("\(op): scales needs \(x.rank) values, got \(scales.count)") }
        var cfg = Config()
        switch mode {
        case "nearest": cfg.mode = "nearest"; cfg.nearestMode = "floor"
        case "linear", "bilinear": cfg.mode = "linear"
        default: throw TensorError("\(op): unknown mode '\(mode)'")
        }
        cfg.coordMode = "asymmetric"
        var out = x.shape
        for d in 0..<x.rank {
            guard scales[d] > 0, scales[d].isFinite else { throw TensorError("\(op): scales must be positive") }
            let o = (scales[d] * Double(x.shape[d])).rounded(.down)
            guard o < 1e12 else { throw TensorError("\(op): output too large") }
            out[d] = Int(o)
        }
        return try resize(x, scales: scales, outSize: out, roi: nil, axes: Array(0..<x.rank), cfg: cfg, ctx: nil)
    }
}
