import SurgeonTensor

/// float16 / bfloat16 Conv weights that stay in their own type: the convolution widens one
/// block of columns of the weight rows at a time into a small float32 scratch just before the
/// product that reads it (`Conv.convCore`), so memory holds the half weights and about 1 MB of
/// float32 per kernel thread, not a float32 copy of every weight. The products are the float32
/// products of the widened weights (widening is exact), summed block by block.
/// DECISIONS.md, 2026-11-28 "halfrows".
struct HalfWeightRows {
    /// The weights' bit patterns, `[M, C/group, k...]` row-major.
    let bits: UnsafePointer<UInt16>
    /// bfloat16 (the top half of a float32) rather than float16.
    let bfloat: Bool

    /// float32 values per widened block: 0.5 MB, so a block is still in cache when the
    /// product packs it (smaller in tests, to make several blocks).
    var blockValues = 1 << 17

    /// Columns (values of each weight row) per block for `rows` rows of `rowLength` values:
    /// all of them when they fit, else a multiple of 16 when there is room, at least one.
    /// Blocks split the rows' length (the products' inner dimension), not the rows: a block of
    /// rows would make OpenBLAS pack the other operand once per block, which costs as much as
    /// the block's product when the blocks are short (resnet18's last layers: 28 rows of 4608).
    func blockColumns(rows: Int, rowLength: Int) -> Int {
        let columns = blockValues / max(1, rows)
        if columns >= rowLength { return max(1, rowLength) }
        return columns >= 64 ? columns & ~15 : max(1, columns)
    }

    /// Widens columns `[column0, column0 + columns)` of weight rows `[row0, row0 + rows)` (each
    /// `rowLength` values) into `dst`, `columns` values per row (split over the kernel threads
    /// when called outside them and large enough).
    func widen(row0: Int, rows: Int, rowLength: Int, column0: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
        let src = bits + row0 * rowLength + column0
        if columns == rowLength {
            widen(src, count: rows * columns, into: dst)
            return
        }
        parallelItems(rows, costPerItem: columns) { r in
            widenSerial(src + r * rowLength, count: columns, into: dst + r * columns)
        }
    }

    /// Widens `count` contiguous values (split over the kernel threads when large enough).
    func widen(_ src: UnsafePointer<UInt16>, count: Int, into dst: UnsafeMutablePointer<Float>) {
        parallelChunks(count) { r in widenSerial(src + r.lowerBound, count: r.count, into: dst + r.lowerBound) }
    }

    private func widenSerial(_ src: UnsafePointer<UInt16>, count: Int, into dst: UnsafeMutablePointer<Float>) {
        if bfloat {
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src[i]) << 16) }
        } else {
            convertHalfToFloatSerial(src, dst, count)
        }
    }
}

extension Conv {
    /// Conv weights of at least this many values are widened block by block at every run
    /// instead of being kept as a float32 copy (see `HalfWeightRows`). Smaller weights (1×1
    /// and depthwise kernels of narrow layers) cost more per value to widen than they hold.
    static let halfRowsMinimum = 1 << 14

    /// True when a plan may hand `Conv.conv` these float16 / bfloat16 weights with a float32
    /// input (`halfWeights: true`).
    static func keepsHalfWeights(_ w: Tensor) -> Bool {
        (w.dtype == .float16 || w.dtype == .bfloat16) && w.shape.count >= 3 && w.count >= halfRowsMinimum
    }
}
