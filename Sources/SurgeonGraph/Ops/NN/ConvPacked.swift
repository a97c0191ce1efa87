import Foundation
import SurgeonTensor

/// Conv's im2col products through the packed-GEMM kernel (SurgeonTensor `sgemmPacked`,
/// CPackedGemm) instead of OpenBLAS: the output is W (M × K) · col (K × pixels), and OpenBLAS
/// copies ("packs") both operands at every call, W included, all of it (resnet18's last
/// layers: 9.4 MB of weights packed to multiply 49 pixels). Here the weights are read in place
/// (a register tile of rows at a time, copied into L1 as the kernel goes: no copy of the whole
/// weight, made once or per call, so no extra memory), only the columns are packed, the bias
/// starts the sums (no pass filling the output with it) and the step's tile epilogue runs on
/// each register tile of output channels × columns while it is in cache. The tiles of columns
/// are cut so that every kernel thread gets the same number of them.
enum ConvPacked {
    /// The product the convolutions use by default: -1, OpenBLAS on ConvPacked's tiles. The
    /// packed kernel (a level ≥ 0) measured no faster on resnet18's and convnext's
    /// convolutions (see DECISIONS.md) and is kept for tests and measurements:
    /// SURGEON_CONV_KERNEL=packed in the environment selects it (the CPU's level), =legacy
    /// gives -2 (Conv.convCore's own tiles): a diagnostic switch for A/B runs of one binary.
    static let defaultLevel: Int = {
        switch getenv("SURGEON_CONV_KERNEL").map({ String(cString: $0) }) {
        case "packed"?: return PackedMatrix.level
        case "legacy"?: return -2
        default: return -1
        }
    }()

    /// Floats of im2col columns per tile: about 1 MB, with its packed copy, in L2.
    static let tileBudget = 1 << 18
    /// Fewest columns per tile (when there are enough): the weights' register tiles are copied
    /// once per tile and K block, used once per panel of 32 columns.
    static let minimumColumns = 128

    /// Everything `convCore` has worked out, for the im2col path (2-D or N-D, any groups).
    struct Shape {
        let n: Int, c: Int, m: Int, group: Int
        let inSp: [Int], inStrides: [Int], inSize: Int
        let outSp: [Int], outSize: Int, kSize: Int
        let geom: SpatialGeometry
        var cg: Int { c / group }
        var mg: Int { m / group }
    }

    /// `y` (`[N, M, out...]`) = bias + the products, then `epilogue`, on tiles of output rows
    /// (a row = all positions along the last axis): through the packed kernel at `level`, or
    /// OpenBLAS when `level` is -1. False when a size does not fit the packed kernel's 32-bit
    /// indices (nothing written: the caller takes its own path).
    static func run(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, shape s: Shape,
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, level: Int,
                    threads: Int = kernelThreads) -> Bool {
        let r = s.inSp.count
        let last = s.outSp[r - 1]
        let rows = s.outSize / max(1, last)
        let kk = s.cg * s.kSize
        let limit = Int(Int32.max) / 4
        let packed = level >= 0
        guard last > 0, rows > 0, kk > 0, kk < limit, s.outSize < limit,
              packedCount(k: kk, n: s.outSize) < limit else { return false }
        let threads = max(1, threads)
        // Rows per tile: the budget, at least `minimumColumns` (OpenBLAS, which copies the
        // weights at every call: 256); then as many tiles as make the work a multiple of the
        // threads when it is shared (7 tiles on 2 threads left one idle an eighth of the time).
        let minRows = ((packed ? minimumColumns : 256) + last - 1) / last
        var tileRows = max(1, min(rows, max(minRows, tileBudget / max(1, kk * last))))
        var tiles = (rows + tileRows - 1) / tileRows
        let blocks = s.n * s.group
        if threads > 1 && blocks * tiles > 1 && (blocks * tiles) % threads != 0 {
            let want = (blocks * tiles + threads - 1) / threads * threads
            let perBlock = (want + blocks - 1) / blocks
            if perBlock <= rows { tiles = perBlock }
        }
        // Tiles of (nearly) equal rows: 28 rows in tiles of 24 and 4 left a thread idle.
        tileRows = (rows + tiles - 1) / tiles
        tiles = (rows + tileRows - 1) / tileRows
        let items = blocks * tiles
        let workers = items >= threads ? threads : 1
        let gemmThreads = workers > 1 ? 1 : threads
        let maxCols = tileRows * last
        let panelCols = (maxCols + 31) / 32 * 32
        // Packed: the panels, then one row of columns (2-D) or the whole column block (N-D).
        let scratch = packed ? packedCount(k: kk, n: maxCols) + (r == 2 ? panelCols : kk * maxCols) : kk * maxCols
        let outerOut = Array(s.outSp.dropLast())
        let run: (Int, UnsafeMutablePointer<Float>) -> Void = { item, cb in
            let tile = item % tiles, gi = (item / tiles) % s.group, b = item / (tiles * s.group)
            let row0 = tile * tileRows
            let nr = min(tileRows, rows - row0)
            if nr <= 0 { return }
            let ncol = nr * last
            let xg = x + (b * s.c + gi * s.cg) * s.inSize
            let yt = y + (b * s.m + gi * s.mg) * s.outSize + row0 * last
            let wg = w + gi * s.mg * kk
            let stride = s.outSize
            if packed {
                let pb = cb, spare = cb + packedCount(k: kk, n: maxCols)
                if r == 2 {
                    im2colPanels(src: xg, channels: s.cg, h: s.inSp[0], w: s.inSp[1], geom: s.geom, row0: row0, rowCount: nr,
                                 line: spare, dst: pb)
                } else {
                    Conv.im2col(src: xg, channels: s.cg, inSp: s.inSp, inStrides: s.inStrides, inSize: s.inSize,
                                geom: s.geom, outerOut: outerOut, last: last, row0: row0, rowCount: nr, dst: spare)
                    packB(spare, ldb: ncol, k: kk, n: ncol, into: pb)
                }
                sgemmPacked(m: s.mg, a: wg, lda: kk, packed: pb, k: kk, n: ncol, c: yt, ldc: stride,
                            rowBias: bias.map { $0 + gi * s.mg }, threads: gemmThreads, level: level,
                            epilogue: epilogue.map { te in { p, rows, _, cols in te.apply(p, rows: rows, cols: cols, stride: stride) } })
                return
            }
            // im2col and the bias (which goes in first, the product adding to it: see
            // Conv.convCore) for channels / output channels [lo, hi) of `parts`.
            let prepare = { (part: Int, parts: Int) in
                let c0 = s.cg * part / parts, c1 = s.cg * (part + 1) / parts
                if c0 < c1 {
                    let xs = xg + c0 * s.inSize, dst = cb + c0 * s.kSize * ncol
                    if r == 2 {
                        Conv.im2col2D(src: xs, channels: c1 - c0, h: s.inSp[0], w: s.inSp[1], geom: s.geom, row0: row0,
                                      rowCount: nr, dst: dst)
                    } else {
                        Conv.im2col(src: xs, channels: c1 - c0, inSp: s.inSp, inStrides: s.inStrides, inSize: s.inSize,
                                    geom: s.geom, outerOut: outerOut, last: last, row0: row0, rowCount: nr, dst: dst)
                    }
                }
                if let bias {
                    for oc in (s.mg * part / parts)..<(s.mg * (part + 1) / parts) {
                        (yt + oc * stride).update(repeating: bias[gi * s.mg + oc], count: ncol)
                    }
                }
            }
            // One tile for all the threads: they share its im2col, product and epilogue (a
            // single thread made the columns of resnet18's 14×14 and 7×7 layers while the
            // other waited).
            let shared = gemmThreads > 1 && worthSharing(kk * ncol)
            if shared {
                parallelFor(gemmThreads, threads: gemmThreads) { prepare($0, gemmThreads) }
            } else {
                prepare(0, 1)
            }
            sgemm(transA: false, transB: false, m: s.mg, n: ncol, k: kk, alpha: 1, a: wg, lda: kk, b: cb, ldb: ncol,
                  beta: bias == nil ? 0 : 1, c: yt, ldc: stride, threads: gemmThreads)
            guard let epilogue else { return }
            if shared {
                parallelFor(gemmThreads, threads: gemmThreads) { part in
                    let lo = s.mg * part / gemmThreads, hi = s.mg * (part + 1) / gemmThreads
                    if lo < hi { epilogue.apply(yt + lo * stride, rows: hi - lo, cols: ncol, stride: stride) }
                }
            } else {
                epilogue.apply(yt, rows: s.mg, cols: ncol, stride: stride)
            }
        }
        if workers == 1 {
            let cb = ScratchMemory.allocate(Float.self, count: max(1, scratch))
            defer { ScratchMemory.release(cb, count: max(1, scratch)) }
            for item in 0..<items { run(item, cb) }
            return true
        }
        let per = (items + workers - 1) / workers
        parallelFor(workers, threads: workers) { wi in
            let lo = wi * per, hi = min(items, lo + per)
            guard lo < hi else { return }
            let cb = ScratchMemory.allocate(Float.self, count: max(1, scratch))
            defer { ScratchMemory.release(cb, count: max(1, scratch)) }
            for item in lo..<hi { run(item, cb) }
        }
        return true
    }

    /// `Conv.im2col2D` written straight in `packB`'s layout (`dst`, `packedCount(k:n:)` floats
    /// for k = channels × taps, n = rowCount × output width): each row of columns is made in
    /// `line` (the columns rounded up to 32 floats, in L1), then copied into its panels, the
    /// columns past n as zeros. One pass less over the columns than im2col, then packB.
    static func im2colPanels(src: UnsafePointer<Float>, channels: Int, h: Int, w: Int, geom: SpatialGeometry,
                             row0: Int, rowCount: Int, line: UnsafeMutablePointer<Float>, dst: UnsafeMutablePointer<Float>) {
        let kh = geom.kernel[0], kw = geom.kernel[1]
        let last = geom.output[1]
        let ncol = rowCount * last
        let npad = (ncol + 31) / 32 * 32, panels = npad / 32
        let kSize = kh * kw, kk = channels * kSize
        let block = 256  // SP_KC: rows of B per packed block
        if npad > ncol { (line + ncol).update(repeating: 0, count: npad - ncol) }
        for ch in 0..<channels {
            let chBase = src + ch * h * w
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = ch * kSize + ky * kw + kx
                    Conv.im2colTapRow(line, channel: chBase, h: h, w: w, geom: geom, ky: ky, kx: kx, row0: row0, rowCount: rowCount)
                    let k0 = row / block * block, kc = min(block, kk - k0)
                    let base = dst + k0 * npad + (row - k0) * 32
                    for q in 0..<panels {
                        let from = UnsafeRawPointer(line + q * 32), to = UnsafeMutableRawPointer(base + q * kc * 32)
                        to.storeBytes(of: from.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                        (to + 64).storeBytes(of: (from + 64).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                    }
                }
            }
        }
    }
}

/// Whether a pass over `values` floats is worth sharing among the kernel threads.
private func worthSharing(_ values: Int) -> Bool { values >= 1 << 15 }

/// `body` with the address of `array`'s elements, or nil when there is no array.
func withOptionalBuffer<T, R>(_ array: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
