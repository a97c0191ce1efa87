import CPool
import SurgeonTensor

/// Fast float32 max / average pooling for 1-D, 2-D and 3-D windows (the plain `poolND`
/// computes in Double and builds tap lists per output position). Same results as `poolND`
/// for `.max` (values only) and `.average`: windows clipped to the input, NaN wins a max, an
/// empty window gives 0 (max) or NaN (average).
///
/// Separable, one output row at a time: the valid input rows of the row's (D, H) window are
/// combined elementwise into a row buffer (full input width, SIMD), whose W padding holds
/// the combine's identity (-inf for max, 0 for a sum); then every output column combines its
/// taps from that buffer, 8 columns per SIMD register, with no bounds checks at all.
/// 1-D / 2-D max pools run the same rows in C with AVX2 when the CPU has it
/// (`vectorMaxPool`, Sources/CPool: no per-row Swift set-up, stride-2 columns by shuffles;
/// same bits); the Swift rows stay as its reference and for other CPUs.
enum PoolFloat {
    /// Per axis and output position: first and one-past-last valid kernel tap, and the taps
    /// inside the padded extent (for count_include_pad).
    struct AxisTaps {
        var kLo: [Int], kHi: [Int], incl: [Int]
        var stride: Int, dilation: Int, pad: Int, kernel: Int
    }

    static func taps(input: Int, output: Int, kernel: Int, stride: Int, dilation: Int,
                     padBegin: Int, padEnd: Int) -> AxisTaps {
        var lo = [Int](repeating: 0, count: output), hi = lo, incl = lo
        for o in 0..<output {
            var first = kernel, last = -1, cnt = 0
            for k in 0..<kernel {
                let p = o * stride - padBegin + k * dilation
                if p >= -padBegin && p < input + padEnd { cnt += 1 }
                if p >= 0 && p < input { if first == kernel { first = k }; last = k }
            }
            lo[o] = first; hi[o] = max(first, last + 1); incl[o] = cnt
        }
        return AxisTaps(kLo: lo, kHi: hi, incl: incl, stride: stride, dilation: dilation, pad: padBegin, kernel: kernel)
    }

    /// Pools `x` (`[N, C, spatial...]`, spatial rank 1...3) into a new float32 tensor, or
    /// returns nil when the rank is not handled here.
    /// - Parameters:
    ///   - planeKernel: false keeps stride-1 2-D pools on the row kernel below (tests compare
    ///     the two).
    ///   - vectorKernel: false keeps 1-D / 2-D max pools off the AVX2 C kernel
    ///     (`sp_maxpool2d_rows`, the same rows in C; tests compare the two).
    static func pool(_ x: Tensor, geom: SpatialGeometry, kind: PoolKind, planeKernel: Bool = true,
                     vectorKernel: Bool = true) throws -> Tensor? {
        if x.dtype == .float16 || x.dtype == .bfloat16 {
            return try poolHalf(x, geom: geom, kind: kind)
        }
        guard x.dtype == .float32, (3...5).contains(x.rank) else { return nil }
        // Stride-1 2-D pools stay on the plane kernel, max ones too: on 14×14 maps it beats
        // the C rows below (0.15 against 0.22 ms for 512 planes); level on 28×28 and 7×7.
        if planeKernel, let y = try poolPlanes(x, geom: geom, kind: kind) { return y }  // PoolFloatPlane.swift
        let r = x.rank - 2
        let pad = 3 - r
        let inSp = [Int](repeating: 1, count: pad) + Array(x.shape[2...])
        var axes: [AxisTaps] = []
        for a in 0..<3 {
            if a < pad {
                axes.append(taps(input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0))
            } else {
                let g = a - pad
                guard geom.kernel[g] >= 1, geom.strides[g] >= 1, geom.dilations[g] >= 1,
                      geom.padBegin[g] >= 0, geom.padEnd[g] >= 0, geom.output[g] >= 0 else { return nil }
                axes.append(taps(input: inSp[a], output: geom.output[g], kernel: geom.kernel[g],
                                 stride: geom.strides[g], dilation: geom.dilations[g],
                                 padBegin: geom.padBegin[g], padEnd: geom.padEnd[g]))
            }
        }
        let isMax: Bool, includePad: Bool
        switch kind {
        case .max: isMax = true; includePad = false
        case .average(let inc): isMax = false; includePad = inc
        case .lp: return nil
        }
        let (ad, ah, aw) = (axes[0], axes[1], axes[2])
        let od = ad.kLo.count, oh = ah.kLo.count, ow = aw.kLo.count
        let ih = inSp[1], iw = inSp[2]
        let inSize = inSp[0] * ih * iw, outSize = od * oh * ow
        if inSize == 0 { return nil }  // only empty windows: the plain kernel's fills
        let nc = x.shape[0] * x.shape[1]
        let outShape = Array(x.shape[0..<2]) + geom.output
        // Row buffer: position q holds input column q - pad; output column j reads positions
        // j*stride + k*dilation, k < kernel. Slack past the end for the SIMD loads.
        let reach = ow > 0 ? (ow - 1) * aw.stride + (aw.kernel - 1) * aw.dilation + 1 : 0
        let bufLen = max(reach, aw.pad + iw) + 32 * aw.stride + 32
        // Per output column: the W part of the average's divisor; the columns whose window
        // misses the input along W (a max gives 0 there).
        let wDiv: [Float] = (0..<ow).map { Float(includePad ? aw.incl[$0] : aw.kHi[$0] - aw.kLo[$0]) }
        let wEmpty = (0..<ow).filter { aw.kLo[$0] == aw.kHi[$0] }
        let rows = nc * od * oh
        let maxRows = (ad.kernel) * (ah.kernel)
        let rowCost = max(1, maxRows * iw + ow * aw.kernel)
        // (1-D / 2-D only: a 3-D pool's D axis, even of one output, is not the C kernel's.)
        if isMax, vectorKernel, r <= 2, maxPoolRowsLevel > 0,
           let y = try vectorMaxPool(x, ah: ah, aw: aw, ih: ih, iw: iw, outShape: outShape, bufLen: bufLen, rowCost: rowCost) {
            return y
        }
        return try x.withUnsafeBuffer(of: Float.self) { src in
            // Every output element is written below (no zero-fill first).
            try Tensor.buildOverwriting(outShape, of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress, rows > 0, ow > 0 else { return }
                // Output rows are independent: split them over the kernel threads, one row
                // buffer per chunk (its padding is written once).
                parallelChunks(rows, grain: max(1, parallelGrain / rowCost)) { chunk in
                    let buf = ScratchMemory.allocate(Float.self, count: bufLen)
                    defer { ScratchMemory.release(buf, count: bufLen) }
                    buf.initialize(repeating: isMax ? -.infinity : 0, count: bufLen)
                    let line = buf + aw.pad
                    var srcRows = [UnsafePointer<Float>](repeating: sb, count: maxRows)
                    wDiv.withUnsafeBufferPointer { wd in
                        guard let wdb = wd.baseAddress else { return }
                        for item in chunk {
                            let ch = item / (od * oh), zr = item % (od * oh)
                            let zd = zr / oh, zh = zr % oh
                            let s = sb + ch * inSize
                            let out = db + ch * outSize + zr * ow
                            var count = 0
                            for kd in ad.kLo[zd]..<ad.kHi[zd] {
                                let pd = zd &* ad.stride &- ad.pad &+ kd &* ad.dilation
                                for kh in ah.kLo[zh]..<ah.kHi[zh] {
                                    let ph = zh &* ah.stride &- ah.pad &+ kh &* ah.dilation
                                    srcRows[count] = UnsafePointer(s + (pd &* ih &+ ph) &* iw)
                                    count += 1
                                }
                            }
                            if isMax {
                                if count == 0 { out.update(repeating: 0, count: ow); continue }
                                if combineRows(Max.self, srcRows, count, iw, line, trackNaN: true) {
                                    // A NaN in the window rows (rare): the NaN-keeping combine.
                                    _ = combineRows(MaxKeepingNaN.self, srcRows, count, iw, line, trackNaN: false)
                                    combineColumns(MaxKeepingNaN.self, buf, aw, ow, out, divisor: nil)
                                } else {
                                    combineColumns(Max.self, buf, aw, ow, out, divisor: nil)
                                }
                                for j in wEmpty { out[j] = 0 }
                            } else {
                                if count == 0 {
                                    line.update(repeating: 0, count: iw)
                                } else {
                                    _ = combineRows(Sum.self, srcRows, count, iw, line, trackNaN: false)
                                }
                                // Divisor (D, H part) × (W part); 0 / 0 gives NaN for windows
                                // that count nothing.
                                let rowDiv = includePad ? Float(ad.incl[zd] * ah.incl[zh]) : Float(count)
                                combineColumns(Sum.self, buf, aw, ow, out, divisor: (wdb, rowDiv))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Above 0 when `sp_maxpool2d_rows` (AVX2) runs on this CPU (2: AVX-512F too).
    static let maxPoolRowsLevel = Int(sp_pool_level())

    /// The row kernel's max pool (1-D / 2-D windows: one plane axis `ah`, `aw`) in C with AVX2:
    /// the same row and column combines in the same order, so the same bits; rows split over
    /// the kernel threads the same way. Nil when a size does not fit the kernel's 32-bit ints.
    static func vectorMaxPool(_ x: Tensor, ah: AxisTaps, aw: AxisTaps, ih: Int, iw: Int, outShape: [Int],
                              bufLen: Int, rowCost: Int) throws -> Tensor? {
        let oh = ah.kLo.count, ow = aw.kLo.count
        let limit = Int(Int32.max) / 4
        guard ih * iw < limit, bufLen < limit, ow < limit, ah.stride < limit, ah.dilation < limit, aw.stride < limit,
              aw.dilation < limit, ah.pad < limit, aw.pad < limit, aw.kernel < limit, ah.kernel < limit else { return nil }
        let lo = ah.kLo.map { Int32($0) }, hi = ah.kHi.map { Int32($0) }
        let empty: [UInt8] = (0..<ow).map { aw.kLo[$0] == aw.kHi[$0] ? 1 : 0 }
        let rows = x.count / max(1, ih * iw) * oh
        let maxRows = max(1, ah.kernel)
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.buildOverwriting(outShape, of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress, rows > 0, ow > 0 else { return }
                lo.withUnsafeBufferPointer { lp in
                    hi.withUnsafeBufferPointer { hp in
                        empty.withUnsafeBufferPointer { ep in
                            guard let lb = lp.baseAddress, let hb = hp.baseAddress, let eb = ep.baseAddress else { return }
                            parallelChunks(rows, grain: max(1, parallelGrain / rowCost)) { chunk in
                                let line = ScratchMemory.allocate(Float.self, count: bufLen)
                                defer { ScratchMemory.release(line, count: bufLen) }
                                let ptrs = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: maxRows)
                                defer { ptrs.deallocate() }
                                _ = sp_maxpool2d_rows(sb, Int32(ih), Int32(iw), db, Int32(oh), Int32(ow),
                                                      Int32(ah.stride), Int32(ah.dilation), Int32(ah.pad), lb, hb,
                                                      Int32(aw.kernel), Int32(aw.stride), Int32(aw.dilation), Int32(aw.pad), eb,
                                                      line, bufLen, ptrs, chunk.lowerBound, chunk.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }

    /// float16 / bfloat16 `x` through float32 (max is exact, averages round once at the end),
    /// one block of about `halfPlaneBlock` input values (whole planes) at a time, so no float32
    /// copy of the whole input is made: a float16 model's first MaxPool (resnet18_fp16's is
    /// 3.2 MB as float32) no longer sets its peak memory. Same results as pooling the whole
    /// input at once: planes are pooled independently.
    static func poolHalf(_ x: Tensor, geom: SpatialGeometry, kind: PoolKind, halfPlaneBlock: Int = 1 << 18) throws -> Tensor? {
        guard (3...5).contains(x.rank) else { return nil }
        let planes = x.shape[0] * x.shape[1]
        let inSize = x.count / max(1, planes)
        let per = max(1, halfPlaneBlock / max(1, inSize))
        if planes <= per {
            return try pool(x.cast(to: .float32), geom: geom, kind: kind)?.cast(to: x.dtype)
        }
        let outShape = Array(x.shape[0..<2]) + geom.output
        let outSize = geom.output.reduce(1, *)
        let size = x.dtype.size
        let out = try Tensor.buildOverwriting(outShape, of: UInt16.self) { _ in }
        var p0 = 0
        while p0 < planes {
            let count = min(per, planes - p0)
            let part = Tensor(dtype: x.dtype, shape: [1, count] + Array(x.shape[2...]), buffer: x.buffer,
                              byteOffset: x.byteOffset + p0 * inSize * size)
            guard let y = try pool(part.cast(to: .float32), geom: geom, kind: kind)?.cast(to: x.dtype),
                  y.count == count * outSize else { return nil }
            (out.rawPointer + p0 * outSize * size).copyMemory(from: y.rawPointer, byteCount: count * outSize * size)
            p0 += count
        }
        return Tensor(dtype: x.dtype, shape: outShape, buffer: out.buffer, byteOffset: out.byteOffset)
    }

    /// How taps of a window combine (specialised per kind so the inner loops stay branch-free;
    /// concrete SIMD widths, as generic SIMD code runs lane by lane).
    protocol Combine {
        static func combine(_ acc: Float, _ v: Float) -> Float
        static func combine(_ acc: SIMD4<Float>, _ v: SIMD4<Float>) -> SIMD4<Float>
        static func combine(_ acc: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float>
        static func combine(_ acc: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float>
    }
    /// Largest value; NaN taps are lost (rows holding NaN go through `MaxKeepingNaN`). Compiles
    /// to a plain max.
    enum Max: Combine {
        @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { v > a ? v : a }
        @inline(__always) static func combine(_ a: SIMD4<Float>, _ v: SIMD4<Float>) -> SIMD4<Float> {
            a.replacing(with: v, where: v .> a)
        }
        @inline(__always) static func combine(_ a: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> {
            a.replacing(with: v, where: v .> a)
        }
        @inline(__always) static func combine(_ a: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float> {
            a.replacing(with: v, where: v .> a)
        }
    }
    /// Largest value, NaN as soon as one tap is NaN.
    enum MaxKeepingNaN: Combine {
        @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { (v > a || v.isNaN) ? v : a }
        @inline(__always) static func combine(_ a: SIMD4<Float>, _ v: SIMD4<Float>) -> SIMD4<Float> {
            a.replacing(with: v, where: (v .> a) .| (v .!= v))
        }
        @inline(__always) static func combine(_ a: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> {
            a.replacing(with: v, where: (v .> a) .| (v .!= v))
        }
        @inline(__always) static func combine(_ a: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float> {
            a.replacing(with: v, where: (v .> a) .| (v .!= v))
        }
    }
    enum Sum: Combine {
        @inline(__always) static func combine(_ a: Float, _ v: Float) -> Float { a + v }
        @inline(__always) static func combine(_ a: SIMD4<Float>, _ v: SIMD4<Float>) -> SIMD4<Float> { a + v }
        @inline(__always) static func combine(_ a: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> { a + v }
        @inline(__always) static func combine(_ a: SIMD16<Float>, _ v: SIMD16<Float>) -> SIMD16<Float> { a + v }
    }

    /// Combines `count` (≥ 1) input rows of `n` floats elementwise into `dst`, three rows in
    /// the first pass and two in each further one. With `trackNaN`, returns whether any input
    /// value was NaN (the caller then redoes the row with `MaxKeepingNaN`); else false.
    @inline(__always)
    static func combineRows<C: Combine>(_ c: C.Type, _ rows: [UnsafePointer<Float>], _ count: Int, _ n: Int,
                                        _ dst: UnsafeMutablePointer<Float>, trackNaN: Bool) -> Bool {
        rows.withUnsafeBufferPointer { rp in
            guard let r = rp.baseAddress, count > 0 else { return false }
            if count == 1 {
                dst.update(from: r[0], count: n)
                return trackNaN && hasNaN(dst, n)
            }
            var nan = rowPass(C.self, dst, r[0], r[1], count > 2 ? r[2] : nil, n, trackNaN: trackNaN, first: true)
            var i = 3
            while i < count {
                nan = rowPass(C.self, dst, UnsafePointer(dst), r[i], i + 1 < count ? r[i + 1] : nil, n,
                              trackNaN: trackNaN, first: false) || nan
                i += 2
            }
            return nan
        }
    }

    /// `dst = combine(combine(a, b), c)` over `n` floats (`c` optional; `a` may be `dst`), 16
    /// then 4 lanes at a time. With `trackNaN`, returns whether `b`, `c` or, on the `first`
    /// pass, `a` held a NaN.
    @inline(__always)
    static func rowPass<C: Combine>(_ cb: C.Type, _ dst: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                    _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>?, _ n: Int,
                                    trackNaN: Bool, first: Bool) -> Bool {
        var m16 = SIMDMask<SIMD16<Int32>>(repeating: false)
        var j = 0
        while j + 16 <= n {
            let va = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD16<Float>.self)
            let vb = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD16<Float>.self)
            var acc = C.combine(va, vb)
            if trackNaN {
                m16 = m16 .| (vb .!= vb)
                if first { m16 = m16 .| (va .!= va) }
            }
            if let c {
                let vc = UnsafeRawPointer(c + j).loadUnaligned(as: SIMD16<Float>.self)
                acc = C.combine(acc, vc)
                if trackNaN { m16 = m16 .| (vc .!= vc) }
            }
            UnsafeMutableRawPointer(dst + j).storeBytes(of: acc, as: SIMD16<Float>.self)
            j += 16
        }
        var m4 = SIMDMask<SIMD4<Int32>>(repeating: false)
        while j + 4 <= n {
            let va = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Float>.self)
            let vb = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Float>.self)
            var acc = C.combine(va, vb)
            if trackNaN {
                m4 = m4 .| (vb .!= vb)
                if first { m4 = m4 .| (va .!= va) }
            }
            if let c {
                let vc = UnsafeRawPointer(c + j).loadUnaligned(as: SIMD4<Float>.self)
                acc = C.combine(acc, vc)
                if trackNaN { m4 = m4 .| (vc .!= vc) }
            }
            UnsafeMutableRawPointer(dst + j).storeBytes(of: acc, as: SIMD4<Float>.self)
            j += 4
        }
        var nan = false
        while j < n {
            var v = C.combine(a[j], b[j])
            if let c { v = C.combine(v, c[j]); nan = nan || c[j].isNaN }
            nan = nan || b[j].isNaN || (first && a[j].isNaN)
            dst[j] = v
            j += 1
        }
        return trackNaN && (nan || any(m16) || any(m4))
    }

    /// 8 values at `p`, `p + sw`, ...; reads `p[0 ..< 8 * sw]` when `sw` is 1 or 2.
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ sw: Int) -> SIMD8<Float> {
        if sw == 1 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        if sw == 2 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf }
        var v = SIMD8<Float>()
        for l in 0..<8 { v[l] = p[l &* sw] }
        return v
    }

    /// Output column j = combine of `buf[j*stride + k*dilation]` over the W kernel taps k
    /// (the buffer's padding makes every tap readable), divided by `divisor.row * divisor.w[j]`
    /// when a divisor is given. Columns go 8 at a time; a ragged end redoes the last 8 (each
    /// column is a pure function of `buf`).
    @inline(__always)
    static func combineColumns<C: Combine>(_ c: C.Type, _ buf: UnsafePointer<Float>, _ aw: AxisTaps, _ ow: Int,
                                           _ out: UnsafeMutablePointer<Float>,
                                           divisor: (w: UnsafePointer<Float>, row: Float)?) {
        let sw = aw.stride, dw = aw.dilation, kw = aw.kernel
        @inline(__always) func block(_ j: Int) {
            let p = buf + j &* sw
            var acc = load8(p, sw)
            var k = 1
            while k < kw { acc = C.combine(acc, load8(p + k &* dw, sw)); k &+= 1 }
            if let divisor {
                acc /= SIMD8(repeating: divisor.row) * UnsafeRawPointer(divisor.w + j).loadUnaligned(as: SIMD8<Float>.self)
            }
            UnsafeMutableRawPointer(out + j).storeBytes(of: acc, as: SIMD8<Float>.self)
        }
        if ow < 8 {
            for j in 0..<ow {
                let p = buf + j &* sw
                var acc = p[0]
                var k = 1
                while k < kw { acc = C.combine(acc, p[k &* dw]); k &+= 1 }
                if let divisor { acc /= divisor.row * divisor.w[j] }
                out[j] = acc
            }
            return
        }
        var j = 0
        while j + 8 <= ow { block(j); j &+= 8 }
        if j < ow { block(ow - 8) }
    }

    /// True when any of the `n` floats at `p` is NaN.
    static func hasNaN(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        var m = SIMDMask<SIMD4<Int32>>(repeating: false)
        var j = 0
        while j + 4 <= n {
            let v = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD4<Float>.self)
            m = m .| (v .!= v)
            j += 4
        }
        while j < n { if p[j].isNaN { return true }; j += 1 }
        return any(m)
    }
}
