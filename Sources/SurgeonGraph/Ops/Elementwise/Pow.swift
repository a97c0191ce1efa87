import Foundation
import SurgeonTensor

/// Pow: `X ^ Y` with numpy broadcasting. The exponent may have another numeric dtype than the
/// base (opset 12+); the result has the base's dtype. Integer bases with integer exponents use
/// exact wrapping integer powers; with float exponents the float result truncates toward zero.
enum Pow {
    static func register(_ r: inout OpRegistry) {
        r.register("Pow", since: 1) { ctx in
            let x = try ctx.tensor(0), y = try ctx.tensor(1)
            guard x.dtype.isNumeric, y.dtype.isNumeric else {
                throw ctx.error("needs numeric tensors, got \(x.dtype) and \(y.dtype)")
            }
            if let r = try fastPowF32(x, y) { return [.tensor(r)] }
            if x.dtype == .float32 && y.dtype == .float32 {
                return [.tensor(try bmap2(x, y, Float.self, Float.self, Float.self) { Foundation.pow($0, $1) })]
            }
            if x.dtype.isFloatingPoint || y.dtype.isFloatingPoint {
                let r = try bmap2(x.cast(to: .float64), y.cast(to: .float64), Double.self, Double.self, Double.self) {
                    Foundation.pow($0, $1)
                }
                return [.tensor(try r.cast(to: x.dtype))]
            }
            // integer ^ integer
            let e: Tensor
            if y.dtype == .uint64 {
                e = try emap1(y, UInt64.self, Int64.self) { Int64(clamping: $0) }
            } else {
                e = try y.cast(to: .int64)
            }
            let r = try bmap2(x.cast(to: .int64), e, Int64.self, Int64.self, Int64.self, integerPower)
            return [.tensor(try r.cast(to: x.dtype))]
        }
    }

    /// The float32 fast path for a one-element exponent (GELU's x^3, RMSNorm's x^2): squares
    /// and cubes multiply (x*x is the correctly rounded square; a cube is rounded once from
    /// the exact product, in Double), other exponents call powf; split over the kernel
    /// threads. nil for anything else (the general kernels then run). Results equal the
    /// general kernels' (the Double path for integer exponents), but float32 squares and
    /// cubes may differ from glibc's powf by one ulp (powf is not always correctly rounded).
    static func fastPowF32(_ x: Tensor, _ y: Tensor) throws -> Tensor? {
        guard x.dtype == .float32, y.count == 1, y.rank <= x.rank, y.dtype.isNumeric else { return nil }
        let e: Double
        if y.dtype == .float32 {
            guard let v = try y.scalars(of: Float.self).first else { return nil }
            e = Double(v)
        } else {
            guard let v = try y.cast(to: .float64).scalars(of: Double.self).first else { return nil }
            e = v
        }
        // The general path computes non-float32 exponents in Double: only exact squares and
        // cubes are the same either way.
        guard y.dtype == .float32 || e == 2 || e == 3 else { return nil }
        let p = try elementPointer(x, Float.self)
        let (buf, dst, n) = try newOutput(x.shape, Float.self)
        withExtendedLifetime(x) {
            if e == 2 {
                parallelChunks(n) { r in for i in r { dst[i] = p[i] * p[i] } }
            } else if e == 3 {
                parallelChunks(n) { r in
                    for i in r { let d = Double(p[i]); dst[i] = Float(d * d * d) }
                }
            } else {
                let f = Float(e)
                parallelChunks(n, grain: parallelGrain / 16) { r in for i in r { dst[i] = Foundation.pow(p[i], f) } }
            }
        }
        return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
    }

    /// `base ^ exp` wrapping on overflow; negative exponents give the truncated reciprocal.
    static func integerPower(_ base: Int64, _ exp: Int64) -> Int64 {
        if exp < 0 {
            if base == 1 { return 1 }
            if base == -1 { return exp & 1 == 0 ? 1 : -1 }
            return 0
        }
        var result: Int64 = 1, b = base, n = exp
        while n > 0 {
            if n & 1 == 1 { result = result &* b }
            b = b &* b
            n >>= 1
        }
        return result
    }
}
