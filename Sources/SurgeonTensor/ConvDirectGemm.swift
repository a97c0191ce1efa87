import CPackedGemm

/// A convolution's matrix product with its second operand read in place (CPackedGemm's
/// `sp_conv_direct`): for i < m and j0 ≤ j < j1,
/// `c[i * ldc + j] = bias[i] + Σ_{p < k} a[i * lda + p] · src[offsets[p] + j]`.
/// Row p of the second operand (an input channel and kernel tap) is the padded input at
/// `offsets[p]`; the caller guarantees that `src` is readable at `offsets[p] + j` for every
/// j < j0 + (j1 − j0 rounded up to 32) (`ConvDirect` leaves that slack after its planes).
/// `level` (tests) caps the kernel set used, as for `sgemmPacked`; every level sums in the same
/// order, whatever rows and columns a call covers. `weightsInPlaceUpTo`: blocks of at most
/// that many columns read `a` where it is instead of copying each register tile of it into L1
/// (the same bits; 0 never). False when a size does not fit the kernel's 32-bit indices
/// (nothing written).
public func convDirectProduct(
    m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, src: UnsafePointer<Float>, offsets: UnsafePointer<Int32>,
    c: UnsafeMutablePointer<Float>, ldc: Int, j0: Int, j1: Int, bias: UnsafePointer<Float>?,
    level: Int = PackedMatrix.level, weightsInPlaceUpTo: Int = 0
) -> Bool {
    let limit = Int(Int32.max) / 2
    guard m >= 0, k >= 0, m < limit, k < limit, lda < limit, ldc < limit, j0 >= 0, j1 < limit - 32 else { return false }
    _ = sp_conv_direct_a(Int32(level), Int32(m), Int32(k), a, Int32(lda), src, offsets, c, Int32(ldc), Int32(j0), Int32(j1),
                         bias, Int32(max(0, min(weightsInPlaceUpTo, 1 << 20))))
    return true
}

/// `convDirectProduct` with 16-bit weights `a` (float16, or bfloat16 when `bfloat`): each
/// register tile of them is widened into the kernel's L1 copy (CPackedGemm's
/// `sp_conv_direct_h`), so the result is bit for bit the float32 product of the widened
/// weights and no float32 copy of the weights is written. False as `convDirectProduct`.
public func convDirectProductHalf(
    m: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, bfloat: Bool, src: UnsafePointer<Float>,
    offsets: UnsafePointer<Int32>, c: UnsafeMutablePointer<Float>, ldc: Int, j0: Int, j1: Int,
    bias: UnsafePointer<Float>?, level: Int = PackedMatrix.level
) -> Bool {
    let limit = Int(Int32.max) / 2
    guard m >= 0, k >= 0, m < limit, k < limit, lda < limit, ldc < limit, j0 >= 0, j1 < limit - 32 else { return false }
    _ = sp_conv_direct_h(Int32(level), Int32(m), Int32(k), a, Int32(lda), bfloat ? 1 : 0, src, offsets, c, Int32(ldc),
                         Int32(j0), Int32(j1), bias)
    return true
}

/// Whether `convDirectProductRows` runs a product of depth `k` over columns `j0 ..< j1` at
/// `level` (the AVX-512 kernels, one block of depth: k ≤ 256, not the one-tile product of
/// 49-64 columns).
public func convDirectRowsAvailable(level: Int = PackedMatrix.level, k: Int, j0: Int, j1: Int) -> Bool {
    guard k > 0, k < Int(Int32.max), j0 >= 0, j1 < Int(Int32.max) / 2 else { return false }
    return sp_conv_direct_rows_ok(Int32(clamping: level), Int32(k), Int32(j0), Int32(j1)) != 0
}

/// `convDirectProduct` (float32 weights `a`, or 16-bit ones `half` as `convDirectProductHalf`)
/// storing the product straight into output planes: row i, flat column j goes to
/// `y[i * ystride + (j / wq) * wo + j % wq]` when `j % wq < wo` (the columns past each output
/// row are computed and dropped); nothing else of y is written. The same bits as
/// `convDirectProduct` followed by that copy. False (nothing written) unless
/// `convDirectRowsAvailable` and `0 < wo ≤ wq`.
public func convDirectProductRows(
    m: Int, k: Int, a: UnsafePointer<Float>?, half: UnsafePointer<UInt16>?, bfloat: Bool, lda: Int,
    src: UnsafePointer<Float>, offsets: UnsafePointer<Int32>, y: UnsafeMutablePointer<Float>, ystride: Int,
    wq: Int, wo: Int, j0: Int, j1: Int, bias: UnsafePointer<Float>?, level: Int = PackedMatrix.level
) -> Bool {
    let limit = Int(Int32.max) / 2
    guard m >= 0, m < limit, lda < limit, wq < limit, wo > 0, wo <= wq, ystride > 0, (a != nil) != (half != nil),
          convDirectRowsAvailable(level: level, k: k, j0: j0, j1: j1) else { return false }
    return sp_conv_direct_rows(Int32(level), Int32(m), Int32(k), a, half, bfloat ? 1 : 0, Int32(lda), src, offsets, y, ystride,
                               Int32(wq), Int32(wo), Int32(j0), Int32(j1), bias) == 0
}

/// The register tile `convDirectProduct` runs at `level` over `columns` columns (CPackedGemm's
/// `sp_conv_direct_tile`): rows of the first operand and columns per tile, for splitting a
/// product among threads on tile boundaries (the split never changes a bit of the result).
public func convDirectTile(level: Int = PackedMatrix.level, columns: Int) -> (rows: Int, columns: Int) {
    var rows: Int32 = 1, cols: Int32 = 32
    sp_conv_direct_tile(Int32(clamping: level), Int32(clamping: columns), &rows, &cols)
    return (Int(rows), Int(cols))
}
