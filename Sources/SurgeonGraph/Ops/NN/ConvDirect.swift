import Foundation
import SurgeonTensor

/// Float32 2-D convolutions without im2col columns. The input of a (batch item, group) is
/// copied once into zero-padded planes; output position (oy, ox) is computed at flat index
/// j = oy × wq + ox, and kernel tap (ky, kx) of channel ch then reads the plane at j + a
/// constant offset: a tap's whole row of the product is a shifted view of the plane. The
/// product (SurgeonTensor `convDirectProduct`, the packed-GEMM kernels reading rows through
/// those offsets) runs over the weights as they are. A 3×3 convolution's im2col wrote and
/// read back 9 copies of its input and OpenBLAS copied them once more; here the input is
/// copied once.
///
/// A row of a plane (stride 1 along it) is the input row and its wider pad: w + max(left,
/// right pad) floats, not w + both. A tap reaching past a row's end (at most the right pad)
/// reads the next row's first floats, which are its left pad: zeros, as the right pad would
/// be. The product computes wq − wo dropped columns per output row: 1 instead of 2 for a
/// 3 × 3 pad-1 convolution, 4 instead of 8 for dilation 4 (fcn_resnet50's layer4).
///
/// Strides go through phase planes: padded element (py, px) lives in phase (py mod sh,
/// px mod sw) at (py / sh, px / sw), so that output (oy, ox) reads phase plane element
/// (oy + ky·dh / sh, ox + kx·dw / sw) for tap (ky, kx): contiguous in ox again. Columns
/// ox ≥ output width (wq − wo per row) are computed and dropped when the result is copied
/// into the output, where the bias is already in and the tile epilogue runs.
struct ConvDirect {
    /// The kernel level convolutions use: the CPU's vector kernels (AVX2 or AVX-512), or -1
    /// (off: im2col) without them, where the plain C kernel would be slower than OpenBLAS.
    /// SURGEON_CONV_DIRECT=off in the environment turns it off (a switch for A/B runs).
    static let defaultLevel: Int = {
        if let v = getenv("SURGEON_CONV_DIRECT").map({ String(cString: $0) }), v == "off" || v == "0" { return -1 }
        return PackedMatrix.level >= 1 ? PackedMatrix.level : -1
    }()

    /// Whether 2-D products of one depth block store straight into the output planes
    /// (`convDirectProductRows`); SURGEON_CD_ROWS=0 copies them out of a row-major result as
    /// the deeper products do (an A/B switch).
    static let storesRows = environmentSwitchOn("SURGEON_CD_ROWS")

    let channels: Int
    /// Per spatial axis (2 or 3 of them): input extent, begin pad, stride, phase plane extent.
    let inSp: [Int], padBegin: [Int], strides: [Int], q: [Int]
    /// Output extents, and the flat stride of each axis in a phase plane (row-major over q).
    let output: [Int], qStrides: [Int]
    /// Floats per channel (all its phase planes) and per phase plane.
    let channelStride: Int, planeSize: Int
    /// Floats of the padded copy, slack for the kernels' whole tiles included.
    let bufferCount: Int
    /// Flat output positions computed (first output axis × the plane's other axes).
    let columns: Int
    /// Offset of each (channel, tap) row, channel-major then taps row-major: the weights' order.
    let offsets: [Int32]
    /// A phase plane's width (the last axis).
    var wq: Int { q[q.count - 1] }

    init?(channels: Int, h: Int, w: Int, geom: SpatialGeometry) {
        self.init(channels: channels, inSp: [h, w], geom: geom)
    }

    /// Nil when the geometry is not 2-D or 3-D, a pad is negative, or a size does not fit 32 bits.
    init?(channels: Int, inSp: [Int], geom: SpatialGeometry) {
        let r = inSp.count
        guard r == 2 || r == 3, geom.rank == r, channels > 0, inSp.allSatisfy({ $0 > 0 }),
              geom.padBegin.allSatisfy({ $0 >= 0 }), geom.padEnd.allSatisfy({ $0 >= 0 }),
              geom.strides.allSatisfy({ $0 > 0 }), geom.dilations.allSatisfy({ $0 > 0 }),
              geom.kernel.allSatisfy({ $0 > 0 }), geom.output.allSatisfy({ $0 > 0 }) else { return nil }
        var q: [Int] = []
        for a in 0..<r {
            let padded = inSp[a] + geom.padBegin[a] + geom.padEnd[a]
            // The last output's taps stay inside the padded input (SpatialGeometry's output size).
            guard (geom.output[a] - 1) * geom.strides[a] + (geom.kernel[a] - 1) * geom.dilations[a] < padded else { return nil }
            if a == r - 1 && geom.strides[a] == 1 && !ConvDirect.wrapOff {
                // Rows of w + max(pads) floats: a tap past a row's end reads the next row's
                // left pad (zeros, as wide as the right pad or wider).
                q.append(inSp[a] + max(geom.padBegin[a], geom.padEnd[a]))
            } else {
                q.append((padded + geom.strides[a] - 1) / geom.strides[a])
            }
        }
        var qStrides = [Int](repeating: 1, count: r)
        for a in stride(from: r - 2, through: 0, by: -1) { qStrides[a] = qStrides[a + 1] * q[a + 1] }
        let planeSize = qStrides[0] * q[0]
        let phases = geom.strides.reduce(1, *)
        let channelStride = phases * planeSize
        let columns = geom.output[0] * qStrides[0]
        let kSize = geom.kernel.reduce(1, *)
        let kk = channels * kSize
        guard channels * channelStride + columns + 64 < Int(Int32.max) / 2, kk < Int(Int32.max) / 2 else { return nil }
        // Per tap (row-major over the kernel): its phase plane and its offset inside it.
        var tapOffsets: [Int] = []
        tapOffsets.reserveCapacity(kSize)
        var idx = [Int](repeating: 0, count: r)
        for _ in 0..<kSize {
            var phase = 0, inside = 0
            for a in 0..<r {
                let t = idx[a] * geom.dilations[a]
                phase = phase * geom.strides[a] + t % geom.strides[a]
                inside += (t / geom.strides[a]) * qStrides[a]
            }
            tapOffsets.append(phase * planeSize + inside)
            var a = r - 1
            while a >= 0 {
                idx[a] += 1
                if idx[a] < geom.kernel[a] { break }
                idx[a] = 0
                a -= 1
            }
        }
        var offsets: [Int32] = []
        offsets.reserveCapacity(kk)
        for ch in 0..<channels {
            for t in tapOffsets { offsets.append(Int32(ch * channelStride + t)) }
        }
        // Reads reach offsets.max + columns + 31 (whole tiles of 32 past the last column).
        let reach = Int(offsets.max() ?? 0) + columns + 32
        self.channels = channels
        self.inSp = inSp
        self.padBegin = geom.padBegin
        self.strides = geom.strides
        self.q = q
        self.output = geom.output
        self.qStrides = qStrides
        self.channelStride = channelStride
        self.planeSize = planeSize
        self.bufferCount = max(channels * channelStride, reach)
        self.columns = columns
        self.offsets = offsets
    }

    /// Channels [c0, c1) of `src` (contiguous planes of `inSp`) into their padded phase planes
    /// in `dst` (`bufferCount` floats, zeroed before by the caller).
    func fill(src: UnsafePointer<Float>, channels c0: Int, _ c1: Int, dst: UnsafeMutablePointer<Float>) {
        let r = inSp.count
        let w = inSp[r - 1], sw = strides[r - 1], pl = padBegin[r - 1]
        let inSize = inSp.reduce(1, *)
        let rows = inSize / w
        guard c0 < c1, rows > 0 else { return }
        // Where each input row of a channel starts in the channel's phase planes (the same for
        // every channel): worked out once per call, not with divisions for every row of every
        // channel (a tenth of a small map's convolution).
        var rowStarts = [Int](repeating: 0, count: rows)
        for row in 0..<rows {
            // The row's outer coordinates: phase and plane position along those axes.
            var rest = row, phase = 0, inside = 0, phaseScale = sw
            for a in stride(from: r - 2, through: 0, by: -1) {
                let i = rest % inSp[a]
                rest /= inSp[a]
                let p = i + padBegin[a]
                phase += (p % strides[a]) * phaseScale
                phaseScale *= strides[a]
                inside += (p / strides[a]) * qStrides[a]
            }
            // phase counts the last axis in units of 1 (its phase b is added below).
            rowStarts[row] = inside + phase * planeSize
        }
        for ch in c0..<c1 {
            let s = src + ch * inSize, d = dst + ch * channelStride
            for row in 0..<rows {
                let line = s + row * w
                let rowBase = d + rowStarts[row]
                if sw == 1 {
                    copyFloats(rowBase + pl, line, w)
                    continue
                }
                for b in 0..<sw {
                    // Input columns ix with (ix + pl) mod sw == b, at (ix + pl) / sw in phase b.
                    let ix0 = ((b - pl) % sw + sw) % sw
                    if ix0 >= w { continue }
                    let count = (w - 1 - ix0) / sw + 1
                    let to = rowBase + b * planeSize + (ix0 + pl) / sw, from = line + ix0
                    var qq = 0
                    if sw == 2 {
                        // 8 at a time: the even lanes of 16 inputs (all inside the row).
                        while 2 * qq + 16 <= w - ix0 {
                            let v = UnsafeRawPointer(from + 2 * qq).loadUnaligned(as: SIMD16<Float>.self)
                            UnsafeMutableRawPointer(to + qq).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                            qq += 8
                        }
                    }
                    while qq < count { to[qq] = from[qq * sw]; qq += 1 }
                }
            }
        }
    }

    /// The weights a run reads: float32, or 16-bit ones (float16 / bfloat16, `HalfWeightRows`)
    /// that the kernel widens a register tile at a time into its L1 copy, with the same bits.
    enum Weights {
        case float(UnsafePointer<Float>)
        case half(HalfWeightRows)

        /// The weights from value `offset` on: the float32 pointer, or the 16-bit one and
        /// whether it is bfloat16 (exactly one pointer is set).
        func from(_ offset: Int) -> (float: UnsafePointer<Float>?, half: UnsafePointer<UInt16>?, bfloat: Bool) {
            switch self {
            case .float(let w): return (w + offset, nil, false)
            case .half(let h): return (nil, h.bits + offset, h.bfloat)
            }
        }
    }

    /// y (`[N, M, ho, wo]`) = bias + the convolution of x (`[N, C, h, w]`) by w (`[M, C/group,
    /// kh, kw]`), then `epilogue`, through kernel `level`. False when the geometry does not
    /// fit (nothing written: the caller takes its own path). `chunk` (tests): columns of the
    /// product per copy into the output, 0 for all at once (default `chunkColumns`).
    static func run(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, shape s: ConvPacked.Shape,
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, level: Int,
                    threads: Int = kernelThreads, chunk: Int? = nil) -> Bool {
        run(x: x, weights: .float(w), bias: bias, shape: s, y: y, epilogue: epilogue, level: level, threads: threads,
            chunk: chunk)
    }

    /// `rows` (tests): whether products that can store straight into the planes do
    /// (`storesRows`, the default) or go through the result and its copy.
    static func run(x: UnsafePointer<Float>, weights: Weights, bias: UnsafePointer<Float>?, shape s: ConvPacked.Shape,
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, level: Int,
                    threads: Int = kernelThreads, chunk: Int? = nil, rows: Bool = ConvDirect.storesRows) -> Bool {
        guard let plan = ConvDirect(channels: s.cg, inSp: s.inSp, geom: s.geom) else {
            return false
        }
        let kk = s.cg * s.kSize
        let mg = s.mg
        let cols = plan.columns
        let r = plan.output.count
        let wo = plan.output[r - 1]
        // Output rows (all axes but the last), each with its flat start in the product.
        let outRows = plan.output.dropLast().reduce(1, *)
        var rowStarts = [Int](repeating: 0, count: outRows)
        for row in 0..<outRows {
            var rest = row, flat = 0
            for a in stride(from: r - 2, through: 0, by: -1) {
                flat += (rest % plan.output[a]) * plan.qStrides[a]
                rest /= plan.output[a]
            }
            rowStarts[row] = flat
        }
        let threads = max(1, threads)
        let buffer = ScratchMemory.allocate(Float.self, count: plan.bufferCount)
        let resultCount = mg * cols
        let result = ScratchMemory.allocate(Float.self, count: max(1, resultCount))
        defer {
            ScratchMemory.release(buffer, count: plan.bufferCount)
            ScratchMemory.release(result, count: max(1, resultCount))
        }
        // Parts of the product: whole column tiles when there are plenty of them (4 of 32
        // columns per thread) and they cut the product about as evenly as whole register
        // tiles of output channels do (a thread's part of 192 columns against 114 made the
        // other wait), else those register tiles.
        let tiles = (cols + 31) / 32
        let tileRows = convDirectTile(level: level, columns: cols).rows
        let tileColumns = convDirectTile(level: level, columns: (cols + threads - 1) / threads).columns
        let splitColumns = tiles >= 4 * threads
            && ConvDirect.evenness(cols, threads, block: tileColumns) >= min(0.97, ConvDirect.evenness(mg, threads, block: tileRows))
        let parts = threads == 1 ? 1 : splitColumns ? threads : min(threads, (mg + tileRows - 1) / tileRows)
        let ok: Bool = plan.offsets.withUnsafeBufferPointer { offs in
            guard let offsets = offs.baseAddress else { return false }
            for b in 0..<s.n {
                for gi in 0..<s.group {
                    let xg = x + (b * s.c + gi * s.cg) * s.inSize
                    let yg = y + (b * s.m + gi * mg) * s.outSize
                    let wOffset = gi * mg * kk
                    let bg = bias.map { $0 + gi * mg }
                    // The padded planes: zeroed, then the input copied in (by channel ranges
                    // when shared among the threads).
                    let fillPart = { (p: Int, count: Int) in
                        let c0 = s.cg * p / count, c1 = s.cg * (p + 1) / count
                        let z0 = c0 * plan.channelStride
                        let z1 = p == count - 1 ? plan.bufferCount : c1 * plan.channelStride
                        if z0 < z1 { (buffer + z0).update(repeating: 0, count: z1 - z0) }
                        if c0 < c1 { plan.fill(src: xg, channels: c0, c1, dst: buffer) }
                    }
                    if threads > 1 && s.cg >= threads && s.cg * s.inSize >= 1 << 15 {
                        parallelFor(threads, threads: threads) { fillPart($0, threads) }
                    } else {
                        fillPart(0, 1)
                    }
                    var fine = true
                    let part = { (p: Int) in
                        let (i0, i1, j0, j1) = ConvDirect.part(p, of: parts, rows: mg, cols: cols, byColumns: splitColumns,
                                                               rowBlock: tileRows, columnBlock: tileColumns)
                        guard i0 < i1, j0 < j1 else { return }
                        // Column chunks of the part, each copied out while it is still in
                        // cache (the whole result of a large map left L2 before its copy).
                        let chunk = chunk ?? ConvDirect.chunkColumns(rows: i1 - i0)
                        var c0 = j0, row0 = 0
                        while c0 < j1 {
                            let c1 = chunk > 0 ? min(j1, c0 + chunk) : j1
                            let w = weights.from(wOffset + i0 * kk)
                            // 2-D, one block of depth (a stem: 3 input channels): the kernel
                            // stores into the output planes itself (no copy out of `result`,
                            // whose pass over memory did not overlap the products), then the
                            // epilogue runs on what the chunk wrote, as below.
                            if r == 2, rows, convDirectRowsAvailable(level: level, k: kk, j0: c0, j1: c1) {
                                if convDirectProductRows(
                                    m: i1 - i0, k: kk, a: w.float, half: w.half, bfloat: w.bfloat, lda: kk, src: buffer,
                                    offsets: offsets, y: yg + i0 * s.outSize, ystride: s.outSize, wq: plan.wq, wo: wo,
                                    j0: c0, j1: c1, bias: bg.map { $0 + i0 }, level: level) {
                                    if let epilogue {
                                        // Output rows the chunk touched: [c0 / wq, (c1 - 1) / wq].
                                        let firstRow = c0 / plan.wq, firstCol = min(wo, c0 - firstRow * plan.wq)
                                        let lastRow = (c1 - 1) / plan.wq, lastCol = min(wo, c1 - lastRow * plan.wq)
                                        let first = firstRow * wo + firstCol, last = lastRow * wo + lastCol
                                        if last > first {
                                            for i in i0..<i1 { epilogue.apply(yg + i * s.outSize + first, last - first, col0: first) }
                                        }
                                    }
                                    c0 = c1
                                    continue
                                }
                            }
                            let computed: Bool
                            if let a = w.float {
                                computed = convDirectProduct(m: i1 - i0, k: kk, a: a, lda: kk, src: buffer, offsets: offsets,
                                                             c: result + i0 * cols, ldc: cols, j0: c0, j1: c1,
                                                             bias: bg.map { $0 + i0 }, level: level)
                            } else if let h = w.half {
                                computed = convDirectProductHalf(m: i1 - i0, k: kk, a: h, lda: kk, bfloat: w.bfloat, src: buffer,
                                                                 offsets: offsets, c: result + i0 * cols, ldc: cols, j0: c0,
                                                                 j1: c1, bias: bg.map { $0 + i0 }, level: level)
                            } else {
                                computed = false
                            }
                            if !computed {
                                fine = false
                                return
                            }
                            // Rows [i0, i1), flat columns [c0, c1) into the output: the columns
                            // of each output row that exist, then the epilogue on them. Output
                            // rows start in increasing order: skip those that end before c0.
                            while row0 < outRows && rowStarts[row0] + wo <= c0 { row0 += 1 }
                            // What the chunk writes of a channel's plane is one span, from the
                            // first row's first column written to the last row's last (the rows
                            // between are whole): the epilogue runs once over it, right after
                            // the channel's rows are copied (still in L1), not once per output
                            // row (two calls per row of 7-56 values, a memmove and the
                            // epilogue, were ~10% of a CNN's run). The maps are per value: the
                            // same bits.
                            for i in i0..<i1 {
                                let from = result + i * cols, to = yg + i * s.outSize
                                var row = row0, first = -1, last = -1
                                while row < outRows && rowStarts[row] < c1 {
                                    let start = rowStarts[row]
                                    let a = max(c0, start) - start
                                    let e = min(wo, c1 - start)
                                    if a < e {
                                        copyFloats(to + row * wo + a, from + start + a, e - a)
                                        if first < 0 { first = row * wo + a }
                                        last = row * wo + e
                                    }
                                    row += 1
                                }
                                if let epilogue, first >= 0, last > first {
                                    epilogue.apply(to + first, last - first, col0: first)
                                }
                            }
                            c0 = c1
                        }
                    }
                    // One part runs on the calling thread (parallelFor runs a single iteration inline).
                    parallelFor(parts, threads: parts, part)
                    if !fine { return false }
                }
            }
            return true
        }
        return ok
    }
}

extension ConvDirect {
    /// Columns of the product computed before they are copied into the output: whole blocks of
    /// the kernel's 960 columns (so the kernel blocks them as in one call), about 64K floats of
    /// `rows` rows; 0 (the whole range at once) under SURGEON_CD_CHUNK=0. Where a chunk starts
    /// never changes a bit (every output is summed in the same order).
    static func chunkColumns(rows: Int) -> Int {
        if chunkOff { return 0 }
        return max(1, (1 << 16) / max(1, rows * 960)) * 960
    }

    /// How evenly `n` cut into `threads` parts of whole `block`s (as `part` cuts) keeps the
    /// threads busy: n over threads × the largest part (1: even; 0.5: one thread idle).
    static func evenness(_ n: Int, _ threads: Int, block: Int) -> Double {
        guard n > 0, threads > 0, block > 0 else { return 0 }
        let per = ((n + threads - 1) / threads + block - 1) / block * block
        return Double(n) / Double(threads * per)
    }

    /// SURGEON_CD_WRAP=0: rows as wide as both pads (the layout before 2026-11-29; an A/B switch).
    static let wrapOff: Bool = getenv("SURGEON_CD_WRAP").map { String(cString: $0) == "0" } ?? false

    static let chunkOff: Bool = getenv("SURGEON_CD_CHUNK").map { String(cString: $0) == "0" } ?? false

    /// Rows `i0 ..< i1` and columns `j0 ..< j1` of part `p` when a `rows` × `cols` product is cut
    /// into `parts` (ConvDirect's and ConvPointwise's thread splits): whole blocks of
    /// `columnBlock` columns when `byColumns`, else of `rowBlock` rows, as even as the blocks
    /// allow; the whole product for a single part, empty ranges for parts past the end. Where a
    /// part starts never changes a bit of the result (`sp_conv_direct` sums every output in the
    /// same order), only which tiles the kernel runs.
    static func part(_ p: Int, of parts: Int, rows: Int, cols: Int, byColumns: Bool, rowBlock: Int, columnBlock: Int)
        -> (i0: Int, i1: Int, j0: Int, j1: Int) {
        guard parts > 1 else { return (0, rows, 0, cols) }
        if byColumns {
            let per = ((cols + parts - 1) / parts + columnBlock - 1) / columnBlock * columnBlock
            let j0 = min(cols, p * per)
            return (0, rows, j0, min(cols, j0 + per))
        }
        let per = ((rows + parts - 1) / parts + rowBlock - 1) / rowBlock * rowBlock
        let i0 = min(rows, p * per)
        return (i0, min(rows, i0 + per), 0, cols)
    }
}
