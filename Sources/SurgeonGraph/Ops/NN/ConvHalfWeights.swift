import SurgeonTensor

/// float16 / bfloat16 Conv weights that stay in their own type: the convolution widens one
/// block of output-channel rows at a time into a small float32 scratch just before the product
/// that reads it (`Conv.convCore`), so memory holds the half weights and about 1 MB of float32
/// per kernel thread, not a float32 copy of every weight. The products are the float32 products
/// of the widened weights (widening is exact), block by block.
/// DECISIONS.md, 2026-11-27 "halfrows".
struct HalfWeightRows {
    /// The weights' bit patterns, `[M, C/group, k...]` row-major.
    let bits: UnsafePointer<UInt16>
    /// bfloat16 (the top half of a float32) rather than float16.
    let bfloat: Bool

    /// float32 values per widened block: about 1 MB, so a block is still in cache when the
    /// product packs it (smaller in tests, to make several blocks).
    var blockValues = 1 << 17

    /// Rows per block for rows of `rowLength` values: a multiple of 16 (OpenBLAS's row unroll)
    /// when the rows are short enough, at least one row.
    func blockRows(rowLength: Int) -> Int {
        let rows = blockValues / max(1, rowLength)
        return rows >= 32 ? rows & ~15 : max(1, rows)
    }

    /// Widens `count` values starting at value `first` into `dst` (split over the kernel
    /// threads when called outside them and large enough).
    func widen(first: Int, count: Int, into dst: UnsafeMutablePointer<Float>) {
        let src = bits + first
        if bfloat {
            parallelChunks(count) { r in
                for i in r { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
            }
        } else {
            convertHalfToFloat(src, dst, count)
        }
    }
}

extension Conv {
    /// Conv weights of at least this many values are widened block by block at every run
    /// instead of being kept as a float32 copy (see `HalfWeightRows`). Smaller weights (1×1
    /// and depthwise kernels of narrow layers) cost more per value to widen than they hold.
    nonisolated(unsafe) static var halfRowsMinimum = 1 << 14

    /// True when a plan may hand `Conv.conv` these float16 / bfloat16 weights with a float32
    /// input (`halfWeights: true`).
    static func keepsHalfWeights(_ w: Tensor) -> Bool {
        (w.dtype == .float16 || w.dtype == .bfloat16) && w.shape.count >= 3 && w.count >= halfRowsMinimum
    }
}
