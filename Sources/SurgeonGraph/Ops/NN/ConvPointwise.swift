import Foundation
import SurgeonTensor

/// Float32 pointwise convolutions (1×1 kernel, stride 1, no padding, any rank) through
/// `convDirectProduct` (CPackedGemm's `sp_conv_direct`) instead of OpenBLAS: the product of a
/// (batch item, group) is W (Cout × Cin) · X (Cin × pixels) with X read in place (input channel
/// p at offset p × pixels), the bias starting the sums, the tile epilogue right after each block.
///
/// Why not OpenBLAS: its result depended on the thread count. `sgemm` cut a product of more
/// than 256K multiply-adds into one block of rows (or columns) per kernel thread, and OpenBLAS
/// (SkylakeX) runs products under ~1M multiply-adds with its small-matrix kernel and larger ones
/// with its blocked kernel, which sum in different orders: mobilenet_v3_small's 40 → 240 conv
/// on 14×14 (240 × 196 × 40) gave other bits at 2 threads (two 120-row blocks) than at 1.
/// `sp_conv_direct` sums over the input channels in the same order whatever rows and columns a
/// call covers, so the threads may split the work any way without changing a bit.
///
/// The vector kernels read whole tiles of 32 columns: columns past the last whole tile are read
/// from a small zero-padded copy (input channels × 32 floats), never past the input's end.
enum ConvPointwise {
    /// Products below this many multiply-adds run on the calling thread (as `sgemm`'s split).
    static let splitBelow = 1 << 18
    /// Column blocks of at most this many pixels read the weights in place: on a 7×7 map (49
    /// columns, two tiles) the copy of each 12-row weight tile into L1 served only two tiles
    /// (320 → 1280 on 7×7: 10-14% faster without it; larger maps keep the copy).
    static let weightsInPlaceUpTo = 64
    /// Products over more input channels than this, on planes of at least `packPlanes` pixels,
    /// read the input through a packed copy (see `packedColumns`) when a thread's part has at
    /// least `packFrom` columns. (72 → 24 on 56 × 56 measured 5-10% slower packed; 96 → 128
    /// as fast; 144 → 24, 160 → 128 and up faster.)
    static let packAbove = 80
    static let packPlanes = 2048
    static let packFrom = 128
    /// Whether `run` packs by default: `SURGEON_PW_PACK=off` in the environment reads the input
    /// in place always (a switch for A/B runs).
    static let packing = environmentSwitchOn("SURGEON_PW_PACK")

    /// Columns per packed slab for `cg` input channels on planes of `pixels`: the slab (cg ×
    /// columns floats) stays near 256 KB, in L2 while every register tile of weights runs over
    /// it; 0 when the input is read in place. In place, each input channel's row of a column
    /// block is its own stream 4 × pixels bytes from the next: with 256 channels on a 56 × 56
    /// map the kernel ran at 60% of OpenBLAS's speed (256 → 128: 2.8 against 1.7 ms; packed
    /// 1.7), while on 28 × 28 and smaller planes packing measured no faster (bench/RESULTS.md,
    /// "Session 13, pointwise"). The copy holds the same values, so the sums, and every bit,
    /// are the same.
    static func packedColumns(cg: Int, pixels: Int, columns: Int) -> Int {
        guard cg > packAbove, pixels >= packPlanes, columns >= packFrom else { return 0 }
        return slabWidth(cg: cg)
    }

    static func slabWidth(cg: Int) -> Int { max(64, min(960, (1 << 16) / max(cg, 1) / 32 * 32)) }

    /// Whether a map of `pixels` runs as one tile of 64 columns at `level` (a 7 × 7 map: the
    /// kernel's 6 × 64 tile), reading the input from a copy with rows of 64 floats, zero-padded.
    /// In place it ran as a whole 32-column tile plus a tail of 17 from the padded copy: two
    /// passes over the weights (1152 → 192 on 7 × 7: 0.40 vs onnxruntime's 0.17-0.22 ms). The
    /// tile choice does not change a sum: same bits.
    static func oneTile(pixels: Int, level: Int) -> Bool {
        pixels > 32 && pixels <= 64 && convDirectTile(level: level, columns: pixels).columns == 64
    }

    /// y (`[N, M, pixels]`) = bias + W · x per (batch item, group), then `epilogue`, through
    /// kernel `level` (`PackedMatrix.level` or lower) on `threads` threads. False when a size
    /// does not fit the kernel's 32-bit indices (nothing written: the caller takes its own path).
    static func run(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    n: Int, c: Int, m: Int, group: Int, pixels: Int,
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, level: Int,
                    threads: Int = kernelThreads, packInput: Bool = ConvPointwise.packing) -> Bool {
        guard group >= 1, c % group == 0, m % group == 0, pixels > 0 else { return false }
        let cg = c / group, mg = m / group
        let limit = Int(Int32.max) / 4
        let (span, overflow) = cg.multipliedReportingOverflow(by: pixels)
        guard cg > 0, mg > 0, !overflow, span < limit, pixels < limit else { return false }
        if n == 0 { return true }
        let whole = pixels / 32 * 32, tail = pixels - whole
        let tiles = (pixels + 31) / 32
        let work = mg.multipliedReportingOverflow(by: pixels).partialValue.multipliedReportingOverflow(by: cg)
        let threads = max(1, threads)
        let splitting = threads > 1 && (work.overflow || work.partialValue >= splitBelow)
        // Column tiles of 32 when there are plenty of them, else blocks of 12 output channels
        // (the AVX-512 register tile).
        // A 7 × 7 map: one 64-column tile per row block, from `wideInput` (see `oneTile`).
        let wide = packInput && Self.oneTile(pixels: pixels, level: level)
        let splitColumns = tiles >= 4 * threads && !wide
        let parts = !splitting ? 1 : splitColumns ? min(threads, tiles) : min(threads, (mg + 11) / 12)
        let tailCount = max(1, cg * (wide ? 64 : 32))
        let tailBuffer = ScratchMemory.allocate(Float.self, count: tailCount)
        defer { ScratchMemory.release(tailBuffer, count: tailCount) }
        // Zero once: each (batch item, group) copies the same columns of every row over it, so
        // the padding past them stays zero (it was zeroed row by row for every item and group).
        if wide || tail > 0 { tailBuffer.update(repeating: 0, count: tailCount) }
        // The slab width of a part is fixed by cg alone (when it packs at all).
        let slabStride = Self.slabWidth(cg: cg)
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * cg) { offs in
            guard let offsets = offs.baseAddress else { return false }
            for p in 0..<cg {
                offsets[p] = Int32(p * pixels)
                offsets[cg + p] = Int32(p * 32)
                offsets[2 * cg + p] = Int32(p * slabStride)
                offsets[3 * cg + p] = Int32(p * 64)
            }
            let packedOffsets = UnsafePointer(offsets + 2 * cg)
            var fine = true
            for b in 0..<n {
                for gi in 0..<group {
                    let xg = x + (b * c + gi * cg) * pixels
                    let yg = y + (b * m + gi * mg) * pixels
                    let wg = w + gi * mg * cg
                    let bg = bias.map { $0 + gi * mg }
                    if wide {
                        // Every column, in rows of 64 floats (zero-padded: zeroed once below).
                        for p in 0..<cg { copyFloats(tailBuffer + p * 64, xg + p * pixels, pixels) }
                    } else if tail > 0 {
                        // The columns past the last whole tile, in rows of 32 (zero-padded).
                        for p in 0..<cg { copyFloats(tailBuffer + p * 32, xg + p * pixels + whole, tail) }
                    }
                    let part = { (p: Int) in
                        // Column parts stay whole 32-column tiles: the kernel reads the input in
                        // place up to j0 + (j1 - j0 rounded up to 32), so a part must end at a
                        // tile boundary or at `whole` (the tail comes from tailBuffer).
                        let (i0, i1, j0, j1) = ConvDirect.part(p, of: parts, rows: mg, cols: pixels, byColumns: splitColumns,
                                                               rowBlock: 12, columnBlock: 32)
                        guard i0 < i1, j0 < j1 else { return }
                        let a = wg + i0 * cg, cRows = yg + i0 * pixels, rowBias = bg.map { $0 + i0 }
                        if wide {
                            if !convDirectProduct(m: i1 - i0, k: cg, a: a, lda: cg, src: tailBuffer, offsets: offsets + 3 * cg,
                                                  c: cRows, ldc: pixels, j0: 0, j1: pixels, bias: rowBias, level: level,
                                                  weightsInPlaceUpTo: Self.weightsInPlaceUpTo) {
                                fine = false
                                return
                            }
                            epilogue?.apply(cRows, rows: i1 - i0, cols: pixels, stride: pixels, col0: 0)
                            return
                        }
                        let slab = packInput ? Self.packedColumns(cg: cg, pixels: pixels, columns: j1 - j0) : 0
                        if slab > 0 {
                            // The input's columns a slab at a time, copied into rows of `slab`
                            // floats (zero-padded to the next 32), read through packedOffsets.
                            let packed = ScratchMemory.allocate(Float.self, count: cg * slab)
                            defer { ScratchMemory.release(packed, count: cg * slab) }
                            var js = j0
                            // Slabs of equal width (whole tiles), not a short one at the end.
                            let slabs = (j1 - j0 + slab - 1) / slab
                            let even = min(slab, ((j1 - j0 + slabs - 1) / slabs + 31) / 32 * 32)
                            while js < j1 {
                                let width = min(even, j1 - js), padded = (width + 31) / 32 * 32
                                for p in 0..<cg {
                                    let d = packed + p * slab
                                    copyFloats(d, xg + p * pixels + js, width)
                                    if padded > width { (d + width).update(repeating: 0, count: padded - width) }
                                }
                                if !convDirectProduct(m: i1 - i0, k: cg, a: a, lda: cg, src: packed, offsets: packedOffsets,
                                                      c: cRows + js, ldc: pixels, j0: 0, j1: width, bias: rowBias,
                                                      level: level, weightsInPlaceUpTo: Self.weightsInPlaceUpTo) {
                                    fine = false
                                    return
                                }
                                epilogue?.apply(cRows + js, rows: i1 - i0, cols: width, stride: pixels, col0: js)
                                js += width
                            }
                            return
                        }
                        // The columns in chunks of whole column blocks of the kernel (the same
                        // blocks as one call, `ConvDirect.chunkColumns`), each chunk's epilogue
                        // right after it, while the chunk is in cache (after the whole part, a
                        // 64 × 112 × 112 result was read back from memory: mobilenet_v3_large's
                        // pointwise ReLUs were 4.5% of its run).
                        let mainEnd = min(j1, whole)
                        let chunk = epilogue == nil ? 0 : ConvDirect.chunkColumns(rows: i1 - i0)
                        var js = j0
                        while js < mainEnd {
                            let je = chunk == 0 ? mainEnd : min(mainEnd, js + chunk)
                            if !convDirectProduct(m: i1 - i0, k: cg, a: a, lda: cg, src: xg, offsets: offsets,
                                                  c: cRows, ldc: pixels, j0: js, j1: je, bias: rowBias,
                                                  level: level, weightsInPlaceUpTo: Self.weightsInPlaceUpTo) {
                                fine = false
                                return
                            }
                            epilogue?.apply(cRows + js, rows: i1 - i0, cols: je - js, stride: pixels, col0: js)
                            js = je
                        }
                        if j1 > whole {
                            if !convDirectProduct(m: i1 - i0, k: cg, a: a, lda: cg, src: tailBuffer,
                                                  offsets: offsets + cg, c: cRows + whole, ldc: pixels,
                                                  j0: 0, j1: tail, bias: rowBias, level: level,
                                                  weightsInPlaceUpTo: Self.weightsInPlaceUpTo) {
                                fine = false
                                return
                            }
                            let t0 = max(j0, whole)
                            epilogue?.apply(cRows + t0, rows: i1 - i0, cols: j1 - t0, stride: pixels, col0: t0)
                        }
                    }
                    parallelFor(parts, threads: parts, part)
                    if !fine { return false }
                }
            }
            return true
        }
    }
}
