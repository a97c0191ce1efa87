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

    let channels: Int
    let kernel: (h: Int, w: Int)
    let phases: (h: Int, w: Int)
    let padBegin: (h: Int, w: Int)
    let inSize: (h: Int, w: Int)
    /// One phase plane's extent.
    let hq: Int, wq: Int
    let output: (h: Int, w: Int)
    /// Floats per channel (all its phase planes).
    let channelStride: Int
    /// Floats of the padded copy, slack for the kernels' whole tiles included.
    let bufferCount: Int
    /// Flat output positions computed (output rows × wq).
    let columns: Int
    /// Offset of each (channel, tap) row, channel-major then ky, kx: the weights' order.
    let offsets: [Int32]

    /// Nil when the geometry is not 2-D, a pad is negative, or a size does not fit 32 bits.
    init?(channels: Int, h: Int, w: Int, geom: SpatialGeometry) {
        guard geom.rank == 2, channels > 0, h > 0, w > 0,
              geom.padBegin.allSatisfy({ $0 >= 0 }), geom.padEnd.allSatisfy({ $0 >= 0 }) else { return nil }
        let (sh, sw) = (geom.strides[0], geom.strides[1]), (dh, dw) = (geom.dilations[0], geom.dilations[1])
        let (kh, kw) = (geom.kernel[0], geom.kernel[1]), (ho, wo) = (geom.output[0], geom.output[1])
        guard sh > 0, sw > 0, dh > 0, dw > 0, kh > 0, kw > 0, ho > 0, wo > 0 else { return nil }
        let hp = h + geom.padBegin[0] + geom.padEnd[0], wp = w + geom.padBegin[1] + geom.padEnd[1]
        // The last output's taps stay inside the padded input (SpatialGeometry's output size).
        guard (ho - 1) * sh + (kh - 1) * dh < hp, (wo - 1) * sw + (kw - 1) * dw < wp else { return nil }
        let hq = (hp + sh - 1) / sh, wq = (wp + sw - 1) / sw
        let channelStride = sh * sw * hq * wq
        let columns = ho * wq
        let kk = channels * kh * kw
        let total = channels * channelStride + columns + 64
        guard total < Int(Int32.max) / 2, kk < Int(Int32.max) / 2 else { return nil }
        var offsets: [Int32] = []
        offsets.reserveCapacity(kk)
        for ch in 0..<channels {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let a = (ky * dh) % sh, b = (kx * dw) % sw
                    let plane = ch * channelStride + (a * sw + b) * hq * wq
                    offsets.append(Int32(plane + (ky * dh / sh) * wq + kx * dw / sw))
                }
            }
        }
        // Reads reach offsets.max + columns + 31 (whole tiles of 32 past the last column).
        let reach = Int(offsets.max() ?? 0) + columns + 32
        self.channels = channels
        self.kernel = (kh, kw)
        self.phases = (sh, sw)
        self.padBegin = (geom.padBegin[0], geom.padBegin[1])
        self.inSize = (h, w)
        self.hq = hq
        self.wq = wq
        self.output = (ho, wo)
        self.channelStride = channelStride
        self.bufferCount = max(channels * channelStride, reach)
        self.columns = columns
        self.offsets = offsets
    }

    /// Channels [c0, c1) of `src` (planes of h × w) into their padded phase planes in `dst`
    /// (`bufferCount` floats, zeroed before by the caller).
    func fill(src: UnsafePointer<Float>, channels c0: Int, _ c1: Int, dst: UnsafeMutablePointer<Float>) {
        let (h, w) = inSize, (sh, sw) = phases, (pt, pl) = padBegin
        let plane = hq * wq
        for ch in c0..<c1 {
            let s = src + ch * h * w, d = dst + ch * channelStride
            for iy in 0..<h {
                let py = iy + pt
                let rowBase = d + (py % sh) * sw * plane + (py / sh) * wq
                let line = s + iy * w
                if sw == 1 {
                    (rowBase + pl).update(from: line, count: w)
                    continue
                }
                for b in 0..<sw {
                    // Input columns ix with (ix + pl) mod sw == b, at (ix + pl) / sw in phase b.
                    let ix0 = ((b - pl) % sw + sw) % sw
                    if ix0 >= w { continue }
                    let count = (w - 1 - ix0) / sw + 1
                    let to = rowBase + b * plane + (ix0 + pl) / sw, from = line + ix0
                    for q in 0..<count { to[q] = from[q * sw] }
                }
            }
        }
    }

    /// y (`[N, M, ho, wo]`) = bias + the convolution of x (`[N, C, h, w]`) by w (`[M, C/group,
    /// kh, kw]`), then `epilogue`, through kernel `level`. False when the geometry does not
    /// fit (nothing written: the caller takes its own path).
    static func run(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, shape s: ConvPacked.Shape,
                    y: UnsafeMutablePointer<Float>, epilogue: TileEpilogue?, level: Int,
                    threads: Int = kernelThreads) -> Bool {
        guard s.inSp.count == 2, let plan = ConvDirect(channels: s.cg, h: s.inSp[0], w: s.inSp[1], geom: s.geom) else {
            return false
        }
        let kk = s.cg * s.kSize
        let mg = s.mg
        let cols = plan.columns
        let (ho, wo) = plan.output
        let threads = max(1, threads)
        let buffer = ScratchMemory.allocate(Float.self, count: plan.bufferCount)
        let resultCount = mg * cols
        let result = ScratchMemory.allocate(Float.self, count: max(1, resultCount))
        defer {
            ScratchMemory.release(buffer, count: plan.bufferCount)
            ScratchMemory.release(result, count: max(1, resultCount))
        }
        // Parts of the product: column tiles of 32 when there are plenty of them, else blocks
        // of 12 output channels (the AVX-512 register tile).
        let tiles = (cols + 31) / 32
        let splitColumns = tiles >= 4 * threads
        let parts = threads == 1 ? 1 : splitColumns ? threads : min(threads, (mg + 11) / 12)
        let ok: Bool = plan.offsets.withUnsafeBufferPointer { offs in
            guard let offsets = offs.baseAddress else { return false }
            for b in 0..<s.n {
                for gi in 0..<s.group {
                    let xg = x + (b * s.c + gi * s.cg) * s.inSize
                    let yg = y + (b * s.m + gi * mg) * s.outSize
                    let wg = w + gi * mg * kk
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
                        var i0 = 0, i1 = mg, j0 = 0, j1 = cols
                        if parts > 1 && splitColumns {
                            let per = (tiles + parts - 1) / parts * 32
                            j0 = min(cols, p * per); j1 = min(cols, j0 + per)
                        } else if parts > 1 {
                            let per = ((mg + parts - 1) / parts + 11) / 12 * 12
                            i0 = min(mg, p * per); i1 = min(mg, i0 + per)
                        }
                        guard i0 < i1, j0 < j1 else { return }
                        if !convDirectProduct(m: i1 - i0, k: kk, a: wg + i0 * kk, lda: kk, src: buffer, offsets: offsets,
                                              c: result + i0 * cols, ldc: cols, j0: j0, j1: j1, bias: bg.map { $0 + i0 },
                                              level: level) {
                            fine = false
                            return
                        }
                        // Rows [i0, i1), flat columns [j0, j1) into the output: the columns
                        // of each output row that exist, then the epilogue on them.
                        let oy0 = j0 / plan.wq, oy1 = min(ho, (j1 + plan.wq - 1) / plan.wq)
                        for i in i0..<i1 {
                            let from = result + i * cols, to = yg + i * s.outSize
                            for oy in oy0..<oy1 {
                                let a = max(j0, oy * plan.wq) - oy * plan.wq
                                let e = min(wo, j1 - oy * plan.wq)
                                if a >= e { continue }
                                let dst = to + oy * wo + a
                                dst.update(from: from + oy * plan.wq + a, count: e - a)
                                epilogue?.apply(dst, e - a, col0: oy * wo + a)
                            }
                        }
                    }
                    if parts > 1 {
                        parallelFor(parts, threads: parts) { part($0) }
                    } else {
                        part(0)
                    }
                    if !fine { return false }
                }
            }
            return true
        }
        return ok
    }
}
