import SurgeonTensor

/// AffineGrid (opset 20): the sampling grid `[N, (D,) H, W, r]` of the affine maps theta
/// `[N, 2, 3]` / `[N, 3, 4]` applied to the normalized base grid (x along W, then y, z).
enum AffineGrid {
    static func register(_ r: inout OpRegistry) {
        r.register("AffineGrid", since: 20) { ctx in
            let theta = try ctx.tensor(0), size = try ctx.tensor(1).intArray()
            try requireFloat(theta, "AffineGrid", "theta")
            let align = try ctx.int("align_corners", 0) != 0
            guard size.count == 4 || size.count == 5 else { throw ctx.error("size must have 4 or 5 values") }
            let r = size.count - 2
            let n = size[0]
            let sp = Array(size[2...])
            guard sp.allSatisfy({ $0 >= 0 }) else { throw ctx.error("size must not be negative") }
            guard theta.shape == [n, r, r + 1] else { throw ctx.error("theta \(theta.typeDescription) should be \(shapeString([n, r, r + 1]))") }
            func coord(_ i: Int, _ len: Int) -> Double {
                if align { return len > 1 ? -1 + 2 * Double(i) / Double(len - 1) : -1 }
                return (2 * Double(i) + 1) / Double(len) - 1
            }
            let th = theta.doubleArray()
            let outShape = [n] + sp + [r]
            let m = sp.reduce(1, *)
            var out = [Double](repeating: 0, count: try Tensor.checkedCount(outShape, dtype: .float64))
            for b in 0..<n {
                forEachIndex(sp) { p, idx in
                    // Homogeneous base point: x (innermost axis) first.
                    var base = (0..<r).map { k in coord(idx[r - 1 - k], sp[r - 1 - k]) }
                    base.append(1)
                    for row in 0..<r {
                        var s = 0.0
                        for k in 0...r { s += th[(b * r + row) * (r + 1) + k] * base[k] }
                        out[(b * m + p) * r + row] = s
                    }
                }
            }
            return [.tensor(try Tensor(doubles: out, shape: outShape, dtype: theta.dtype))]
        }
    }
}
