import SurgeonTensor

/// Det: determinant of each [M, M] matrix in the trailing two axes (LU with partial pivoting
/// in double precision). Output shape: the leading batch axes.
enum Det {
    static func register(_ r: inout OpRegistry) {
        r.register("Det", since: 11) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point input, got \(x.dtype)") }
            guard x.rank >= 2, x.shape[x.rank - 1] == x.shape[x.rank - 2] else {
                throw ctx.error("needs square matrices in the last two axes, got \(shapeString(x.shape))")
            }
            let m = x.shape[x.rank - 1]
            let batchShape = Array(x.shape.dropLast(2))
            let batch = batchShape.reduce(1, *)
            let data = x.doubleArray()
            var out = [Double](repeating: 0, count: batch)
            var a = [Double](repeating: 0, count: m * m)
            for b in 0..<batch {
                for i in 0..<(m * m) { a[i] = data[b * m * m + i] }
                out[b] = determinant(&a, m)
            }
            return [.tensor(try Tensor(doubles: out, shape: batchShape, dtype: x.dtype))]
        }
    }

    static func determinant(_ a: inout [Double], _ m: Int) -> Double {
        var det = 1.0
        for col in 0..<m {
            var pivot = col
            for r in (col + 1)..<max(col + 1, m) where abs(a[r * m + col]) > abs(a[pivot * m + col]) { pivot = r }
            if a[pivot * m + col] == 0 { return 0 }
            if pivot != col {
                for k in 0..<m { a.swapAt(pivot * m + k, col * m + k) }
                det = -det
            }
            let p = a[col * m + col]
            det *= p
            for r in (col + 1)..<max(col + 1, m) {
                let f = a[r * m + col] / p
                if f == 0 { continue }
                for k in col..<m { a[r * m + k] -= f * a[col * m + k] }
            }
        }
        return det
    }
}
