import Foundation
import SurgeonTensor

/// Elu: `x` for x >= 0, `alpha * (exp(x) - 1)` below (alpha 1 by default). float32 runs a
/// branch-free loop (`eluF`) that vectorises; the other types call libm's expm1.
enum Elu {
    static func register(_ r: inout OpRegistry) {
        r.register("Elu", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 1)
            let a = Double(alpha)
            let x = try ctx.tensor(0)
            if x.dtype == .float32 {
                let src = try elementPointer(x, Float.self)
                let (buf, dst, n) = try newOutput(x.shape, Float.self)
                withExtendedLifetime(x) {
                    parallelChunks(n) { range in
                        for i in range { dst[i] = eluF(src[i], alpha) }
                    }
                }
                return [.tensor(Tensor(dtype: .float32, shape: x.shape, buffer: buf))]
            }
            return [.tensor(try unaryFloat(
                x, "Elu",
                { $0 < 0 ? alpha * Foundation.expm1($0) : $0 }, { $0 < 0 ? a * Foundation.expm1($0) : $0 }))]
        }
    }

    /// Elu of one float32 without calls or branches: below -0.35 `fastExpF(x) - 1`, above it
    /// (where that subtraction would cancel) expm1's Taylor series to x^7 (truncation under
    /// 1e-8 relative). NaN stays NaN.
    @inline(__always)
    static func eluF(_ x: Float, _ alpha: Float) -> Float {
        var p: Float = 1.0 / 5040
        p = p * x + 1.0 / 720
        p = p * x + 1.0 / 120
        p = p * x + 1.0 / 24
        p = p * x + 1.0 / 6
        p = p * x + 0.5
        let small = x + (x * x) * p
        let big = fastExpF(x) - 1
        let em1 = x > -0.35 ? small : big
        return x < 0 ? alpha * em1 : x
    }
}
