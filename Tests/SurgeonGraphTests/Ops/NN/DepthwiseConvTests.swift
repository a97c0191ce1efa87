@testable import SurgeonGraph
import SurgeonTensor
import Testing

@Suite struct DepthwiseConvTests {
    /// `DepthwiseInterleaved` (eight planes per vector, padded interleaved copy), its Swift
    /// multiply-then-add loop and the C kernel's fused multiply-adds at every level this CPU
    /// runs, against the plain `depthwise2D` run in Double, plane by plane, within 1e-5 for
    /// inputs and weights in [-0.5, 0.5) (FMA rounds differently in the last bits; the AVX2 and
    /// AVX-512 kernels agree bit for bit): maps 1-20 wide and high (7×7, 14×14
    /// among them), square and oblong kernels 1-7, strides 1-3, dilations 1-3, zero /
    /// asymmetric pads, 1-19 planes (partial groups), several channels per batch item, bands
    /// forced small, with and without a bias, over outputs and buffers holding NaN; one
    /// scratch reused by every group, as the Conv path does. At levels 1 and 2 the C fill and
    /// the stores straight to the planes give the bits of the Swift fill and copy back. With a
    /// fused epilogue (applied band by band), every path gives its result then the epilogue.
    @Test func interleavedMatchesPlainLoop() throws {
        var seed: UInt32 = 41
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        var fixed: [(h: Int, w: Int, k: Int, s: Int)] = []
        for k in [3, 5, 7] { for s in [1, 2] { fixed += [(7, 7, k, s), (14, 14, k, s), (28, 28, k, s)] } }
        var checked = 0
        for trial in 0..<(fixed.count + 300) {
            let h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int
            if trial < fixed.count {
                (h, w, kh, sh) = fixed[trial]; kw = kh; sw = sh
            } else {
                h = 1 + next(20); w = 1 + next(20)
                kh = 1 + next(7); kw = next(3) == 0 ? 1 + next(7) : kh
                sh = 1 + next(3); sw = next(3) == 0 ? 1 + next(3) : sh
            }
            let isFixed = trial < fixed.count
            let dh = isFixed || next(3) > 0 ? 1 : 2 + next(2), dw = isFixed || next(3) > 0 ? 1 : 2 + next(2)
            let zeroPads = isFixed ? false : next(5) == 0
            let pt = isFixed ? kh / 2 : (zeroPads ? 0 : next(kh + 1)), pb = isFixed ? kh / 2 : (zeroPads ? 0 : next(kh + 1))
            let pl = isFixed ? kw / 2 : (zeroPads ? 0 : next(kw + 1)), pr = isFixed ? kw / 2 : (zeroPads ? 0 : next(kw + 1))
            let eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1
            guard h + pt + pb >= eh, w + pl + pr >= ew else { continue }
            let out = [(h + pt + pb - eh) / sh + 1, (w + pl + pr - ew) / sw + 1]
            let geom = SpatialGeometry(kernel: [kh, kw], strides: [sh, sw], dilations: [dh, dw], padBegin: [pt, pl],
                                       padEnd: [pb, pr], output: out)
            let budget = next(2) == 0 ? DepthwiseInterleaved.bandBudget : 1 + next(300)
            let layout = DepthwiseInterleaved(h: h, w: w, geom: geom, budget: budget)
            let channels = 1 + next(12), planes = isFixed ? 16 : 1 + next(19)
            let inSize = h * w, outSize = out[0] * out[1], kSize = kh * kw
            let xv = (0..<(planes * inSize)).map { _ in rnd() }, kv = (0..<(channels * kSize)).map { _ in rnd() }
            let bias: [Float]? = next(2) == 0 ? nil : (0..<channels).map { _ in rnd() }
            let scratch = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: layout.scratchCount)
            scratch.initialize(repeating: SIMD8<Float>(), count: layout.scratchCount)
            let results = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: layout.resultCount)
            results.initialize(repeating: SIMD8<Float>(repeating: .nan), count: layout.resultCount)
            let taps = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: kSize)
            taps.initialize(repeating: SIMD8<Float>(repeating: .nan), count: kSize)
            defer { scratch.deallocate(); results.deallocate(); taps.deallocate() }
            // Every level this CPU runs: 0 the Swift loop, 1 and 2 the C kernel's FMA (same bits).
            var byLevel: [[Float]] = []
            func conv(level: Int, direct: Bool, epilogue: TileEpilogue? = nil) -> [Float] {
                var out = [Float](repeating: .nan, count: planes * outSize)
                xv.withUnsafeBufferPointer { px in kv.withUnsafeBufferPointer { pk in out.withUnsafeMutableBufferPointer { pf in
                    var first = 0
                    while first < planes {
                        layout.run(src: px.baseAddress!, first: first, count: min(8, planes - first), channels: channels,
                                   kernel: pk.baseAddress!, bias: bias, dst: pf.baseAddress!, epilogue: epilogue,
                                   scratch: scratch, results: results, taps: taps, level: level, direct: direct)
                        first += 8
                    }
                } } }
                return out
            }
            for level in 0...DepthwiseBand8.level {
                let out = conv(level: level, direct: true)
                if level > 0 {
                    // The C fill and the stores straight to the planes against the Swift fill,
                    // the interleaved results and the Swift copy back: the same bits.
                    let viaResults = conv(level: level, direct: false)
                    #expect(out.map(\.bitPattern) == viaResults.map(\.bitPattern),
                            "direct vs results, level \(level), h \(h) w \(w) k \(kh)x\(kw) s \(sh),\(sw) planes \(planes)")
                }
                // With an epilogue (x · sigmoid(x): applied twice or missed, a value differs),
                // band by band as the rows are stored: the result, then the epilogue, bit for bit.
                let gated = TileEpilogue(maps: [.gated(.sigmoid)])
                var expected = out
                expected.withUnsafeMutableBufferPointer { gated.apply($0.baseAddress!, $0.count) }
                for direct in level > 0 ? [true, false] : [true] {
                    let fused = conv(level: level, direct: direct, epilogue: gated)
                    let same = fused.map(\.bitPattern) == expected.map(\.bitPattern)
                    #expect(same,
                            "epilogue, level \(level) direct \(direct), h \(h) w \(w) k \(kh)x\(kw) s \(sh),\(sw) planes \(planes) budget \(budget)")
                }
                byLevel.append(out)
            }
            if byLevel.count > 2 {
                #expect(byLevel[1].map(\.bitPattern) == byLevel[2].map(\.bitPattern), "AVX2 and AVX-512 differ")
            }
            for fast in byLevel {
                var worst = 0.0
                for plane in 0..<planes {
                    let ch = plane % channels
                    var ref = [Double](repeating: Double(bias?[ch] ?? 0), count: outSize)
                    let xd = xv[(plane * inSize)..<((plane + 1) * inSize)].map(Double.init)
                    let kd = kv[(ch * kSize)..<((ch + 1) * kSize)].map(Double.init)
                    xd.withUnsafeBufferPointer { px in kd.withUnsafeBufferPointer { pk in ref.withUnsafeMutableBufferPointer { pr in
                        Conv.depthwise2D(src: px.baseAddress!, h: h, w: w, kernel: pk.baseAddress!, geom: geom, dst: pr.baseAddress!)
                    } } }
                    for (f, r) in zip(fast[(plane * outSize)..<((plane + 1) * outSize)], ref) {
                        worst = max(worst, f.isNaN ? .infinity : abs(Double(f) - r))
                    }
                }
                #expect(worst < 1e-5, "h \(h) w \(w) k \(kh)x\(kw) s \(sh),\(sw) d \(dh),\(dw) pads \(pt),\(pl),\(pb),\(pr) planes \(planes) channels \(channels) budget \(budget): off by \(worst)")
            }
            checked += 1
        }
        #expect(checked > 250)
    }

    /// A lone Relu or Clip epilogue goes into the C kernel's stores (`DepthwiseBand8.Activation`):
    /// the bits of the convolution then the separate pass, with NaN inputs (NaN stays NaN) and
    /// sums of -0 (a zero weight times a negative input plus a -0 bias: Relu keeps -0), on
    /// 3 × 3 and 5 × 5, strides 1 and 2, maps 7 × 7 to 28 × 28.
    @Test func activationInTheStoresIsTheSeparatePass() throws {
        var seed: UInt32 = 77
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let activations: [TileEpilogue] = [TileEpilogue(maps: [.relu]), TileEpilogue(maps: [.clip(lo: -0.1, hi: 0.2)]),
                                           TileEpilogue(maps: [.clip(lo: 0, hi: 6)])]
        for (ci, (hw, k, st)) in [(7, 3, 1), (14, 5, 2), (28, 3, 2), (9, 5, 1)].enumerated() {
            let ch = 19, p = k / 2
            let out = [(hw + 2 * p - k) / st + 1, (hw + 2 * p - k) / st + 1]
            let geom = SpatialGeometry(kernel: [k, k], strides: [st, st], dilations: [1, 1], padBegin: [p, p],
                                       padEnd: [p, p], output: out)
            var xv = (0..<(ch * hw * hw)).map { _ in rnd() }
            for i in stride(from: 3, to: xv.count, by: 97) { xv[i] = .nan }
            var wv = (0..<(ch * k * k)).map { _ in rnd() }
            for c in [2, 11] { for t in 0..<(k * k) { wv[c * k * k + t] = 0 } }  // sums of zeros: the bias's sign
            let bv = (0..<ch).map { $0 == 2 || $0 == 11 ? -Float.zero : rnd() }
            for xi in 0..<(hw * hw) { xv[2 * hw * hw + xi] = -abs(xv[2 * hw * hw + xi]) }
            let count = ch * out[0] * out[1]
            func conv(_ e: TileEpilogue?) throws -> [Float] {
                var y = [Float](repeating: 1, count: count)
                try xv.withUnsafeBufferPointer { px in try wv.withUnsafeBufferPointer { pw in try y.withUnsafeMutableBufferPointer { py in
                    try Conv.convCore(x: px.baseAddress!, xShape: [1, ch, hw, hw], w: pw.baseAddress!, wShape: [ch, 1, k, k],
                                      bias: bv, geom: geom, group: ch, y: py.baseAddress!, epilogue: e)
                } } }
                return y
            }
            let plain = try conv(nil)
            #expect(plain.contains { $0.isNaN } && plain.contains { $0 == 0 && $0.sign == .minus }, "case \(ci)")
            for e in activations {
                var expected = plain
                expected.withUnsafeMutableBufferPointer { e.apply($0.baseAddress!, count) }
                let fused = try conv(e)
                #expect(fused.map(\.bitPattern) == expected.map(\.bitPattern), "case \(ci) \(e.maps)")
            }
        }
    }

    /// The whole Conv path (groups of eight planes across batch items, split over threads; the C
    /// FMA kernel where the CPU has it) gives the plain loop's values within 1e-5, and with a
    /// fused epilogue the unfused result and then the epilogue, bit for bit.
    @Test func convWithEpilogueIsResultThenEpilogue() throws {
        var seed: UInt32 = 9
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let epilogues: [TileEpilogue] = [
            TileEpilogue(maps: [.relu]), TileEpilogue(maps: [.clip(lo: 0, hi: 0.1)]),
            TileEpilogue(maps: [.unary(.hardSwish)]), TileEpilogue(maps: [.gated(.sigmoid)]),
        ]
        let cases: [(x: [Int], k: Int, s: Int)] = [([2, 13, 7, 7], 5, 1), ([1, 20, 14, 14], 3, 2), ([3, 5, 9, 11], 3, 1)]
        for (ci, c) in cases.enumerated() {
            let ch = c.x[1], p = c.k / 2
            let out = [(c.x[2] + 2 * p - c.k) / c.s + 1, (c.x[3] + 2 * p - c.k) / c.s + 1]
            let geom = SpatialGeometry(kernel: [c.k, c.k], strides: [c.s, c.s], dilations: [1, 1], padBegin: [p, p],
                                       padEnd: [p, p], output: out)
            let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<(ch * c.k * c.k)).map { _ in rnd() }
            let bv = (0..<ch).map { _ in rnd() }
            let wShape = [ch, 1, c.k, c.k]
            let count = c.x[0] * ch * out[0] * out[1]
            let plain = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: wShape, bias: bv, geom: geom, group: ch)
            // The fast path's planes (batch items × channels) against the plain loop, within 1e-5.
            let inSize = c.x[2] * c.x[3], outSize = out[0] * out[1]
            for plane in 0..<(c.x[0] * ch) {
                var ref = [Float](repeating: bv[plane % ch], count: outSize)
                xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in ref.withUnsafeMutableBufferPointer { pr in
                    Conv.depthwise2D(src: px.baseAddress! + plane * inSize, h: c.x[2], w: c.x[3],
                                     kernel: pw.baseAddress! + (plane % ch) * c.k * c.k, geom: geom, dst: pr.baseAddress!)
                } } }
                let got = plain[(plane * outSize)..<((plane + 1) * outSize)]
                #expect(zip(got, ref).allSatisfy { abs($0 - $1) < 1e-5 }, "case \(c.x) plane \(plane)")
            }
            let e = epilogues[ci % epilogues.count]
            var expected = plain
            expected.withUnsafeMutableBufferPointer { e.apply($0.baseAddress!, count) }
            var fused = [Float](repeating: .nan, count: count)
            try xv.withUnsafeBufferPointer { px in try wv.withUnsafeBufferPointer { pw in try fused.withUnsafeMutableBufferPointer { py in
                try Conv.convCore(x: px.baseAddress!, xShape: c.x, w: pw.baseAddress!, wShape: wShape, bias: bv, geom: geom,
                                  group: ch, y: py.baseAddress!, epilogue: e)
            } } }
            #expect(fused.map(\.bitPattern) == expected.map(\.bitPattern), "case \(c.x)")
        }
    }
}
