import CPackedGemm
import Foundation

/// float32 exp over rows with the CPackedGemm C kernels (vec_exp.c): the Cephes expf of
/// SurgeonGraph's Swift `simdExp`, 16 lanes (AVX-512F) or 8 (AVX2 + FMA) at a time with fused
/// multiply-adds, the last partial vector masked. Swift does not fuse a·b + c and its SIMD8
/// reaches AVX2 width at most, so Softmax ran 2.6× behind onnxruntime on the same rows. The
/// Swift `simdExp` path stays the fallback (no vector kernel) and the tests' yardstick.
public enum VectorExp {
    /// The kernel level Softmax uses: the CPU's vector kernels (2 AVX-512F, 1 AVX2 + FMA), or
    /// 0 (the Swift path) without them. SURGEON_EXP_KERNEL=swift in the environment forces the
    /// Swift path, =avx2 caps the level at 1 (switches for A/B runs).
    public static let level = PackedMatrix.level(switch: "SURGEON_EXP_KERNEL")

    /// The C kernels take 32-bit lengths; longer rows go in pieces of this many.
    static let piece = 1 << 30

    /// The largest of `p[0..<n]` (n > 0). With a NaN among them the result may be NaN or a
    /// number (a softmax of the row is all NaN either way).
    public static func rowMax(_ p: UnsafePointer<Float>, _ n: Int, level: Int = level) -> Float {
        var m = sp_exp_row_max(Int32(level), p, Int32(min(n, piece)))
        var i = piece
        while i < n {
            m = max(m, sp_exp_row_max(Int32(level), p + i, Int32(min(n - i, piece))))
            i += piece
        }
        return m
    }

    /// `dst[i] = exp(src[i] - shift)` for i < n; returns the sum of the results.
    public static func expShiftSum(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ shift: Float, level: Int = level
    ) -> Float {
        var s: Float = 0
        var i = 0
        while i < n {
            s += sp_exp_shift_sum(Int32(level), src + i, dst + i, Int32(min(n - i, piece)), shift)
            i += piece
        }
        return s
    }

    /// `dst[i] = exp(src[i] - sub[i])` for i < n.
    public static func expSub(
        _ src: UnsafePointer<Float>, _ sub: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
        level: Int = level
    ) {
        var i = 0
        while i < n {
            sp_exp_sub(Int32(level), src + i, sub + i, dst + i, Int32(min(n - i, piece)))
            i += piece
        }
    }

    /// The softmax of one row of n floats: `dst[i] = exp(src[i] - max) / sum` (the
    /// reciprocal of the sum multiplied in). `dst` may be `src`. False (nothing written) for a
    /// row longer than the kernel's 32-bit length: the caller composes it from `rowMax`,
    /// `expShiftSum` and a scale, which take rows in pieces.
    @discardableResult
    public static func softmaxRow(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, level: Int = level
    ) -> Bool {
        guard n <= piece else { return false }
        if n > 0 { sp_softmax_row(Int32(level), src, dst, Int32(n)) }
        return true
    }
}
