import Foundation
import SurgeonTensor

/// LRN (local response normalisation across channels) of (N, C, ...):
/// `y = x / (bias + alpha / size * sum(x^2 over channels c - floor((size-1)/2) ... c + ceil((size-1)/2)))^beta`.
enum LRN {
    static func register(_ r: inout OpRegistry) {
        r.register("LRN", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point tensor, got \(x.dtype)") }
            guard x.rank >= 2 else { throw ctx.error("needs an input of rank 2 or more, got \(x.typeDescription)") }
            guard let size = try ctx.intIfPresent("size"), size > 0 else { throw ctx.error("needs a positive size attribute") }
            let alpha = Double(try ctx.float("alpha", 1e-4)), beta = Double(try ctx.float("beta", 0.75))
            let bias = Double(try ctx.float("bias", 1))
            let nb = x.shape[0], c = x.shape[1], spatial = extent(x.shape, 2, x.rank)
            let before = (size - 1) / 2, after = size - 1 - before
            let v = x.doubleArray()
            var out = [Double](repeating: 0, count: v.count)
            for b in 0..<nb {
                for ch in 0..<c {
                    let lo = Swift.max(0, ch - before), hi = Swift.min(c - 1, ch + after)
                    for i in 0..<spatial {
                        var s = 0.0
                        if lo <= hi { for k in lo...hi { let e = v[(b * c + k) * spatial + i]; s += e * e } }
                        let idx = (b * c + ch) * spatial + i
                        out[idx] = v[idx] / pow(bias + alpha / Double(size) * s, beta)
                    }
                }
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: x.dtype))]
        }
    }
}
