import CPackedGemm
import Foundation

/// DynamicQuantizeLinear's two passes over float32 data as CPackedGemm vector kernels
/// (quantize_u8.c), split among the kernel threads for large tensors. The range pass is
/// order-free (min and max); the quantization gives the bits of QuantizeLinear's Swift loop (x
/// divided by the scale in float32, rounded half to even, plus the zero point, saturated) while
/// dividing only where the product by the reciprocal lies near a half-integer. The Swift loops
/// stay the fallback (level 0) and the tests' yardstick.
public enum QuantizeU8 {
    /// The kernel level (2 AVX-512F, 1 AVX2, 0 none); SURGEON_QUANT_KERNEL=swift forces the
    /// Swift loops, =avx2 caps it at 1 (switches for A/B runs).
    public static let level = PackedMatrix.level(switch: "SURGEON_QUANT_KERNEL")

    /// What `range` found.
    public enum Range: Equatable, Sendable {
        case finite(min: Float, max: Float)
        /// A NaN or an infinity is among the values.
        case notFinite
        /// No vector kernel (level 0): the caller scans in Swift.
        case unavailable
    }

    /// The min and max of `p[0..<n]` (n ≥ 1), over `parallelChunks` of at least `grain` values
    /// (a partial result per chunk).
    public static func range(_ p: UnsafePointer<Float>, _ n: Int, level: Int = level, grain: Int = 1 << 16) -> Range {
        guard level > 0, n > 0 else { return .unavailable }
        let (chunks, per) = chunking(n, grain: grain)
        // p[0] is in the range: a chunk's starting values change nothing.
        var lows = [Float](repeating: p[0], count: chunks), highs = lows
        var codes = [Int32](repeating: 1, count: chunks)
        lows.withUnsafeMutableBufferPointer { lo in
            highs.withUnsafeMutableBufferPointer { hi in
                codes.withUnsafeMutableBufferPointer { code in
                    parallelChunks(n, grain: grain) { r in
                        let c = r.lowerBound / per
                        code[c] = sp_range_finite(Int32(level), p + r.lowerBound, r.count, &lo[c], &hi[c])
                    }
                }
            }
        }
        if codes.contains(-1) { return .unavailable }
        if codes.contains(0) { return .notFinite }
        return .finite(min: lows.min() ?? 0, max: highs.max() ?? 0)
    }

    /// `dst[i] = min(255, max(0, round_half_even(src[i] / scale) + zeroPoint))` (NaN gives 0)
    /// for i < n, `zeroPoint` a whole number in 0...255, over `parallelChunks` of at least
    /// `grain` values. False, with nothing written, at level 0.
    public static func quantize(_ src: UnsafePointer<Float>, _ n: Int, scale: Float, zeroPoint: Float,
                                into dst: UnsafeMutablePointer<UInt8>, level: Int = level, grain: Int = 1 << 16) -> Bool {
        guard level > 0 else { return false }
        parallelChunks(n, grain: grain) { r in
            _ = sp_quantize_u8(Int32(level), src + r.lowerBound, r.count, scale, zeroPoint, dst + r.lowerBound)
        }
        return true
    }

    /// `dst[i] = Float(q[i] - dqZero) * dqScale` with `q[i]` the byte `quantize` gives `src[i]`
    /// (QuantizeLinear to uint8, then DequantizeLinear), on the calling thread; `dst` may be
    /// `src`. False, with nothing written, at level 0.
    @inline(__always)
    public static func fakeQuantize(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                                    scale: Float, zeroPoint: Float, dqScale: Float, dqZero: Int32, level: Int = level) -> Bool {
        guard level > 0 else { return false }
        return sp_fake_quantize_u8(Int32(level), src, dst, n, scale, zeroPoint, dqScale, dqZero) == 0
    }

    /// `fakeQuantize` that also stores each byte `q[i]` (QuantizeLinear's uint8 result of a
    /// kept pair; `q` overlaps neither `src` nor `dst`), on the calling thread. False, with
    /// nothing written, at level 0.
    @inline(__always)
    public static func fakeQuantize(_ src: UnsafePointer<Float>, bytes q: UnsafeMutablePointer<UInt8>,
                                    _ dst: UnsafeMutablePointer<Float>, _ n: Int, scale: Float, zeroPoint: Float,
                                    dqScale: Float, dqZero: Int32, level: Int = level) -> Bool {
        guard level > 0 else { return false }
        return sp_fake_quantize_both_u8(Int32(level), src, q, dst, n, scale, zeroPoint, dqScale, dqZero) == 0
    }
}
