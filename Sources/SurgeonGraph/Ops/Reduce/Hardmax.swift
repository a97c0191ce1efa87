import SurgeonTensor

/// Hardmax: 1 at the first maximum along the axis, 0 elsewhere; Softmax's axis rules
/// (2-D coercion before opset 13, a single axis defaulting to -1 from 13).
enum Hardmax {
    static func register(_ r: inout OpRegistry) {
        let kernel: Kernel = { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point tensor, got \(x.dtype)") }
            let (outer, r, inner) = try Softmax.layout(ctx, x.shape)
            let v = x.doubleArray()
            var out = [Double](repeating: 0, count: v.count)
            if r > 0 {
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * r * inner + i
                        var best = 0
                        for j in 1..<r where v[base + j * inner] > v[base + best * inner] { best = j }
                        out[base + best * inner] = 1
                    }
                }
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: x.dtype))]
        }
        r.register("Hardmax", since: 1, kernel)
        r.register("Hardmax", since: 13, kernel)
    }
}
