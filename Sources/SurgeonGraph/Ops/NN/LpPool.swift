import SurgeonTensor

/// LpPool (opset 1-22): `(Σ |x|^p)^(1/p)` over each window (padding contributes nothing).
enum LpPool {
    static func register(_ r: inout OpRegistry) {
        r.register("LpPool", since: 1) { ctx in
            let x = try ctx.tensor(0)
            try requireFloat(x, "LpPool", "X")
            let geom = try poolGeometry(ctx, x)
            let p = Double(try ctx.float("p", 2))
            guard p > 0 else { throw ctx.error("p must be positive") }
            let (v, _) = try poolND(x.doubleArray(), shape: x.shape, geom: geom, kind: .lp(p: p))
            return [.tensor(try saturatingTensor(v, shape: Array(x.shape[0..<2]) + geom.output, dtype: x.dtype))]
        }
    }
}
