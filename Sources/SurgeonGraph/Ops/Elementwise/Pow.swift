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
