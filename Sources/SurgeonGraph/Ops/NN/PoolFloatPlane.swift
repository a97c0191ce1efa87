import CPool
import SurgeonTensor

/// Stride-1 2-D max / average pooling a whole plane at a time (GoogLeNet's and Inception's
/// branch pools: 3×3, stride 1, pad 1, on maps down to 7×7). `PoolFloat.pool` works one output
/// row at a time, and on small maps its per-row set-up cost more than the row: 0.4 ms for a
/// 832×7×7 max pool, 10 ns per output value. Here each plane is copied into a padded plane
/// (the combine's identity around it: -inf for max, 0 for a sum), its rows are combined with
/// the rows below them over the whole flattened plane (SIMD, no per-row work), then the
/// columns, and the output rows are copied out. The combines run in the same order as
/// `PoolFloat.pool`'s (rows, then columns; a NaN wins a max), so the values are the same.
/// Pools that keep the plane's size (3×3 pad 1) run in C with AVX-512F when the CPU has it
/// (`sp_pool_planes_same`, Sources/CPool/pool_planes.c: both passes over the flattened plane,
/// the edges by masked loads, no copy; the same combines in the same order, so the same bits);
/// the loop here is its reference and runs elsewhere.
extension PoolFloat {
    /// Nil when the geometry is not 2-D, stride 1, dilation 1, with pads smaller than the
    /// kernel (so that every window reads the input), or the kind is not max / average.
    /// - Parameter vectorKernel: false keeps "same" pools off the C kernel (tests compare the two).
    static func poolPlanes(_ x: Tensor, geom: SpatialGeometry, kind: PoolKind, vectorKernel: Bool = true) throws -> Tensor? {
        guard x.dtype == .float32, x.rank == 4, geom.rank == 2,
              geom.strides.allSatisfy({ $0 == 1 }), geom.dilations.allSatisfy({ $0 == 1 }) else { return nil }
        let (kh, kw) = (geom.kernel[0], geom.kernel[1])
        let (pt, pl, pb, pr) = (geom.padBegin[0], geom.padBegin[1], geom.padEnd[0], geom.padEnd[1])
        guard kh >= 1, kw >= 1, pt >= 0, pl >= 0, pb >= 0, pr >= 0, pt < kh, pb < kh, pl < kw, pr < kw else { return nil }
        let (ih, iw) = (x.shape[2], x.shape[3])
        let hp = ih + pt + pb, wp = iw + pl + pr
        let (oh, ow) = (hp - kh + 1, wp - kw + 1)
        guard ih > 0, iw > 0, oh == geom.output[0], ow == geom.output[1], oh > 0, ow > 0 else { return nil }
        let isMax: Bool, includePad: Bool
        switch kind {
        case .max: isMax = true; includePad = false
        case .average(let inc): isMax = false; includePad = inc
        case .lp: return nil
        }
        let ah = taps(input: ih, output: oh, kernel: kh, stride: 1, dilation: 1, padBegin: pt, padEnd: pb)
        let aw = taps(input: iw, output: ow, kernel: kw, stride: 1, dilation: 1, padBegin: pl, padEnd: pr)
        // Divisors as PoolFloat.pool makes them: (the H part) × (the W part).
        let hDiv: [Float] = (0..<oh).map { Float(includePad ? ah.incl[$0] : ah.kHi[$0] - ah.kLo[$0]) }
        // (16 ones of slack: `planeColumns` loads 16 at a time.)
        let wDiv: [Float] = (0..<ow).map { Float(includePad ? aw.incl[$0] : aw.kHi[$0] - aw.kLo[$0]) }
            + [Float](repeating: 1, count: 16)
        let planes = x.shape[0] * x.shape[1]
        let inSize = ih * iw, outSize = oh * ow
        // The padded plane, then the rows combined (oh rows of wp), each with 16 floats of
        // slack for the SIMD loads and stores past their ends.
        let padded = hp * wp + 16, rows = oh * wp + 16
        let identity: Float = isMax ? -.infinity : 0
        // The C kernel's divisors (average): each position's, the same product, 16 of slack.
        let same = vectorKernel && oh == ih && ow == iw && inSize < 1 << 30
        let div: [Float] = same && !isMax ? (0..<(inSize + 16)).map { j in j < inSize ? wDiv[j % iw] * hDiv[j / iw] : 1 } : []
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.buildOverwriting([x.shape[0], x.shape[1], oh, ow], of: Float.self) { dst in
                guard let sb = src.baseAddress, let db = dst.baseAddress, planes > 0 else { return }
                let cost = max(1, (hp * wp) * (kh + kw))
                if same {
                    // The C kernel takes every chunk or none (its checks depend on the sizes and
                    // the CPU only): asked first with no planes.
                    let taken = div.withUnsafeBufferPointer { dp in
                        let dvb = dp.baseAddress
                        func run(_ p0: Int, _ p1: Int, _ line: UnsafeMutablePointer<Float>?) -> Bool {
                            sp_pool_planes_same(isMax ? 1 : 0, sb, db, p0, p1, Int32(ih), Int32(iw), Int32(kh), Int32(kw),
                                                Int32(pt), Int32(pl), dvb, line) == 0
                        }
                        guard run(0, 0, nil) else { return false }
                        let count = sp_pool_planes_line(Int32(ih), Int32(iw), Int32(kh), Int32(kw))
                        parallelChunks(planes, grain: max(1, parallelGrain / cost)) { chunk in
                            let line = ScratchMemory.allocate(Float.self, count: count)
                            defer { ScratchMemory.release(line, count: count) }
                            _ = run(chunk.lowerBound, chunk.upperBound, line)
                        }
                        return true
                    }
                    if taken { return }
                }
                parallelChunks(planes, grain: max(1, parallelGrain / cost)) { chunk in
                    let count = padded + rows
                    let buf = ScratchMemory.allocate(Float.self, count: count)
                    defer { ScratchMemory.release(buf, count: count) }
                    buf.initialize(repeating: identity, count: count)
                    let vbuf = buf + padded
                    hDiv.withUnsafeBufferPointer { hd in
                        wDiv.withUnsafeBufferPointer { wd in
                            guard let hdb = hd.baseAddress, let wdb = wd.baseAddress else { return }
                            for plane in chunk {
                                let s = sb + plane * inSize, o = db + plane * outSize
                                for y in 0..<ih { copyFloats(buf + (y + pt) * wp + pl, s + y * iw, iw) }
                                if isMax {
                                    planeRows(MaxKeepingNaN.self, buf, wp, kh, oh, vbuf)
                                    planeColumns(MaxKeepingNaN.self, vbuf, wp, kw, oh, ow, o, hDiv: nil, wDiv: nil)
                                } else {
                                    planeRows(Sum.self, buf, wp, kh, oh, vbuf)
                                    planeColumns(Sum.self, vbuf, wp, kw, oh, ow, o, hDiv: hdb, wDiv: wdb)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// v[j] = combine over k < kh of p[j + k·wp], for j < oh·wp (16 at a time: v and p have
    /// the slack).
    @inline(__always)
    static func planeRows<C: Combine>(_ c: C.Type, _ p: UnsafePointer<Float>, _ wp: Int, _ kh: Int, _ oh: Int,
                                      _ v: UnsafeMutablePointer<Float>) {
        let n = oh * wp
        var j = 0
        while j < n {
            var acc = UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<Float>.self)
            var k = 1
            while k < kh {
                acc = C.combine(acc, UnsafeRawPointer(p + (j &+ k &* wp)).loadUnaligned(as: SIMD16<Float>.self))
                k &+= 1
            }
            UnsafeMutableRawPointer(v + j).storeBytes(of: acc, as: SIMD16<Float>.self)
            j &+= 16
        }
    }

    /// out[y][x] = combine over k < kw of v[y·wp + x + k] (divided by hDiv[y]·wDiv[x] for an
    /// average; wDiv with 16 values of slack), row by row, 16 columns at a time through a local
    /// tile for the last ones.
    @inline(__always)
    static func planeColumns<C: Combine>(_ c: C.Type, _ v: UnsafePointer<Float>, _ wp: Int, _ kw: Int, _ oh: Int, _ ow: Int,
                                         _ out: UnsafeMutablePointer<Float>,
                                         hDiv: UnsafePointer<Float>?, wDiv: UnsafePointer<Float>?) {
        for y in 0..<oh {
            let row = v + y * wp, o = out + y * ow
            var x = 0
            while x < ow {
                var acc = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD16<Float>.self)
                var k = 1
                while k < kw {
                    acc = C.combine(acc, UnsafeRawPointer(row + (x &+ k)).loadUnaligned(as: SIMD16<Float>.self))
                    k &+= 1
                }
                let n = min(16, ow - x)
                if let hDiv, let wDiv {
                    // One vector of divisors (filling one lane at a time stalled on every lane:
                    // 80% of a 192x35x35 average pool, 1.8 ms against onnxruntime's 0.25).
                    acc /= UnsafeRawPointer(wDiv + x).loadUnaligned(as: SIMD16<Float>.self) * hDiv[y]
                }
                if n == 16 {
                    UnsafeMutableRawPointer(o + x).storeBytes(of: acc, as: SIMD16<Float>.self)
                } else {
                    // The row's last values through a copy of the vector (a lane at a time
                    // from the register was a store and a reload per lane).
                    withUnsafeBytes(of: acc) { raw in
                        if let v = raw.baseAddress { copyFloats(o + x, v.assumingMemoryBound(to: Float.self), n) }
                    }
                }
                x &+= 16
            }
        }
    }
}
