import CPackedGemm
import Foundation

/// float32 activations with the CPackedGemm C kernels (vec_math.c): SurgeonGraph's Swift
/// kernels (sigmoidF, tanhF, erfF, the two Gelus) 16 lanes (AVX-512F) or 8 (AVX2 + FMA) at a
/// time with fused multiply-adds. Swift does not fuse a·b + c and its loops reach AVX2 width at
/// most: Gelu ran at 1.1 ms and Tanh at 3.1 ms on 1.2 M values where onnxruntime takes 1.07 and
/// 0.46. The Swift loops stay the fallback (no vector kernel) and the tests' yardstick; the
/// results are within a few ulp of them, not the same bits.
public enum VectorMath {
    /// The functions (the C kernel's SP_VM_* kinds).
    public enum Function: Int32, Sendable, CaseIterable {
        case sigmoid = 0, tanh = 1, erf = 2, geluErf = 3, geluTanh = 4
        /// HardSwish: the Swift kernel's expression with nothing fused, so the same bits.
        case hardSwish = 5
    }

    /// The kernel level: the CPU's vector kernels (2 AVX-512F, 1 AVX2 + FMA), or 0 (the Swift
    /// loops) without them. SURGEON_ACT_KERNEL=swift in the environment forces the Swift loops,
    /// =avx2 caps the level at 1 (switches for A/B runs).
    public static let level = PackedMatrix.level(switch: "SURGEON_ACT_KERNEL")

    /// The C kernels take 32-bit lengths; longer runs go in pieces of this many.
    static let piece = 1 << 30

    /// `dst[i] = f(src[i])`, or with `gated` `src[i] * f(src[i])`, for i < n (`dst` may be
    /// `src`). False, with nothing written, at level 0: the caller runs its Swift loop.
    @inline(__always)
    public static func apply(_ f: Function, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                             gated: Bool = false, level: Int = level) -> Bool {
        guard level > 0 else { return false }
        var i = 0
        while i < n {
            let m = min(n - i, piece)
            guard sp_vec_unary(Int32(level), f.rawValue, src + i, dst + i, Int32(m), gated ? 1 : 0) != 0 else {
                return false
            }
            i += m
        }
        return true
    }

    /// The level of `sum`: as `level`, with its own switch SURGEON_SUM_KERNEL (swift / avx2).
    public static let sumLevel = PackedMatrix.level(switch: "SURGEON_SUM_KERNEL")

    /// The sum of `p[0..<n]` accumulated in double by the C kernel (vec_sum.c: 8 or 4 double
    /// lanes in four accumulators), or nil at level 0 (the caller sums in Swift). Within double
    /// rounding of an in-order double sum of the same values.
    @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, _ n: Int, level: Int = sumLevel) -> Double? {
        guard level > 0 else { return nil }
        var s = 0.0
        guard sp_vec_sum_f64(Int32(level), p, n, &s) != 0 else { return nil }
        return s
    }

    /// The level of `streamCopy`: as `level`, with its own switch SURGEON_STREAM_STORES
    /// (off: plain copies; avx2).
    public static let streamLevel = PackedMatrix.level(switch: "SURGEON_STREAM_STORES")

    /// `bytes` bytes from `src` to `dst` (not overlapping), the destination written with
    /// non-temporal stores where the CPU has them (vec_stream.c), else copied as usual: for kept
    /// results that the run does not read again, so writing them neither reads each line of
    /// the destination from memory first nor evicts what the run reads next. The same bytes
    /// either way. The calling thread must call `streamFence()` before its work item ends
    /// (streaming stores are weakly ordered).
    @inline(__always)
    public static func streamCopy(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ bytes: Int,
                                  level: Int = streamLevel) {
        if bytes <= 0 { return }
        if level > 0, sp_stream_copy(Int32(level), dst, src, bytes) != 0 { return }
        dst.copyMemory(from: src, byteCount: bytes)
    }

    /// Orders the calling thread's `streamCopy` stores before its later stores (the kernel
    /// pool's hand-back): call once at the end of a work item that streamed.
    @inline(__always)
    public static func streamFence() { sp_stream_fence() }
}
