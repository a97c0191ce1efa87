import CPackedGemm
import Foundation

/// The products of one band of SurgeonGraph's `DepthwiseInterleaved` in CPackedGemm's
/// `sp_dw_band8` (depthwise_band.c): eight interleaved planes, each tap one fused multiply-add
/// on 8 lanes (AVX2 + FMA; with AVX-512VL's 32 registers, blocks twice as wide; the same bits).
/// The Swift loop (`DepthwiseInterleaved.band`, a multiply then an add per tap) stays the
/// fallback; the results differ from it in the last bits (see DECISIONS.md).
public enum DepthwiseBand8 {
    /// The level `DepthwiseInterleaved` runs: the CPU's (2 AVX-512F, 1 AVX2 + FMA), or 0 (the
    /// Swift multiply-then-add loop) without them. SURGEON_DW_KERNEL=swift in the environment
    /// forces the Swift loop, =avx2 caps the level at 1 (switches for A/B runs).
    public static let level = PackedMatrix.level(switch: "SURGEON_DW_KERNEL")

    /// Whether every size is one the C kernels take (1 ... Int32.max / 16, so their index
    /// products stay in 32 bits).
    static func takes(_ sizes: [Int]) -> Bool { sizes.allSatisfy { $0 >= 1 && $0 < Int(Int32.max) / 16 } }

    /// `results[(i * owr + j) * 8 + l] = bias[l] + Σ_(a, b) taps[(a * kw + b) * 8 + l] ·
    /// scratch[((i·sh + a·dh) · rowWidth + j·sw + b·dw) · 8 + l]` for i < rows (even), j < owr (a
    /// multiple of 4), taps in row-major order. False (nothing written) at level 0 or for a size
    /// the C kernel does not take.
    public static func run(level: Int = level, scratch: UnsafePointer<Float>, rowWidth: Int, taps: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>, results: UnsafeMutablePointer<Float>, owr: Int, rows: Int,
                           kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int) -> Bool {
        guard level > 0, takes([rowWidth, owr, rows, kh, kw, sh, sw, dh, dw]) else {
            return false
        }
        return sp_dw_band8(Int32(level), scratch, Int32(rowWidth), taps, bias, results, Int32(owr), Int32(rows),
                           Int32(kh), Int32(kw), Int32(sh), Int32(sw), Int32(dh), Int32(dw)) == 0
    }

    /// An activation the C kernel applies to its sums before storing them: Relu (`v < 0 ? 0 :
    /// v`) or Clip (`v < lo ? lo : v`, then `c > hi ? hi : c`), the same values as the separate
    /// pass, NaN and -0 included.
    public enum Activation: Equatable, Sendable {
        case relu
        case clip(lo: Float, hi: Float)
    }

    /// `run`'s sums, stored straight to the planes: output row i < rows (any count), column
    /// j < ow of lane l < lanes at `dst[l * stride + i * ow + j]` (the same bits as `run` then
    /// the copy back), through `activation` when given. False (nothing written) at level 0 or for
    /// a size the C kernel does not take.
    public static func runPlanes(level: Int = level, scratch: UnsafePointer<Float>, rowWidth: Int, taps: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>, stride: Int, lanes: Int,
                                 ow: Int, owr: Int, rows: Int, kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int,
                                 activation: Activation? = nil) -> Bool {
        guard level > 0, takes([rowWidth, ow, owr, rows, kh, kw, sh, sw, dh, dw]), (1...8).contains(lanes), stride >= 0 else {
            return false
        }
        let (act, lo, hi): (Int32, Float, Float)
        switch activation {
        case nil: (act, lo, hi) = (0, 0, 0)
        case .relu?: (act, lo, hi) = (1, 0, 0)
        case .clip(let l, let h)?: (act, lo, hi) = (2, l, h)
        }
        return sp_dw_band8_planes(Int32(level), scratch, Int32(rowWidth), taps, bias, dst, stride, Int32(lanes), Int32(ow),
                                  Int32(owr), Int32(rows), Int32(kh), Int32(kw), Int32(sh), Int32(sw), Int32(dh), Int32(dw),
                                  act, lo, hi) == 0
    }

    /// `DepthwiseInterleaved`'s fill in C (8 columns × 8 planes per register transpose): input
    /// rows firstRow ..< firstRow + rows of planes 0 ..< lanes (`stride` floats apart, rows `w`)
    /// into scratch rows of `rowWidth` positions × 8 lanes, rows outside 0 ..< h zero, columns
    /// at pw ..., pads untouched; lanes past `lanes` repeat the last plane. False (nothing
    /// written) at level 0 or for a size it does not take.
    public static func fill(level: Int = level, src: UnsafePointer<Float>, stride: Int, lanes: Int, h: Int, w: Int, pw: Int,
                            firstRow: Int, rows: Int, rowWidth: Int, scratch: UnsafeMutablePointer<Float>) -> Bool {
        let limit = Int(Int32.max) / 16
        guard level > 0, takes([h, w, rows, rowWidth]), pw >= 0, pw < limit, abs(firstRow) < limit,
              (1...8).contains(lanes), stride >= 0 else {
            return false
        }
        return sp_dw_fill8(Int32(level), src, stride, Int32(lanes), Int32(h), Int32(w), Int32(pw), Int32(firstRow),
                           Int32(rows), Int32(rowWidth), scratch) == 0
    }
}
