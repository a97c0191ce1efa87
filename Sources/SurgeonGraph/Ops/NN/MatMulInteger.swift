import SurgeonTensor

/// MatMulInteger (opset 10): `(A - a_zero_point) @ (B - b_zero_point)` in int32, with scalar,
/// per-row (A) or per-column (B) zero points. Computed exactly through float64 BLAS.
enum MatMulInteger {
    static func register(_ r: inout OpRegistry) {
        r.register("MatMulInteger", since: 10) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            guard a.dtype.isInteger, b.dtype.isInteger else { throw ctx.error("A and B must be integer tensors") }
            let c = try integerMatMul(a, b, ctx.optionalTensor(2), ctx.optionalTensor(3))
            return [.tensor(try c.cast(to: .int32))]
        }
    }

    /// `(A - azp) @ (B - bzp)` as a float64 tensor (exact for 8/16-bit inputs).
    static func integerMatMul(_ a: Tensor, _ b: Tensor, _ azp: Tensor?, _ bzp: Tensor?) throws -> Tensor {
        var ad = try a.cast(to: .float64), bd = try b.cast(to: .float64)
        if let azp {
            var z = try azp.cast(to: .float64)
            // A per-row zero point [M] applies along A's rows.
            if z.count > 1 && a.rank >= 2 { z = try z.reshaped(Array(z.shape) + [1]) }
            ad = try map2(ad, z, Double.self, Double.self, Double.self, -)
        }
        if let bzp { bd = try map2(bd, bzp.cast(to: .float64), Double.self, Double.self, Double.self, -) }
        return try MatMul.matmul(ad, bd)
    }
}
