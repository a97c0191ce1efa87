@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConvTests {
    @Test func basic3x3WithPadding() throws {
        let x = try f32([1, 1, 3, 3], (0..<9).map(Float.init))
        let w = try f32([1, 1, 3, 3], Array(repeating: 1, count: 9))
        let y = try runNode("Conv", [x, w], attributes: [Attribute(name: "pads", value: .ints([1, 1, 1, 1]))])[0]
        #expect(try y.scalars(of: Float.self) == [8, 15, 12, 21, 36, 27, 20, 33, 24])
    }

    /// The im2col/sgemm, pointwise and depthwise paths against the plain reference loop.
    @Test func fastPathMatchesReference() throws {
        struct Case { var x: [Int]; var w: [Int]; var group: Int; var s: [Int]; var d: [Int]; var p: [Int] }
        let cases = [
            Case(x: [2, 4, 7, 6], w: [6, 2, 3, 2], group: 2, s: [2, 1], d: [1, 2], p: [1, 0, 2, 1]),
            Case(x: [1, 3, 5, 5], w: [3, 1, 3, 3], group: 3, s: [2, 2], d: [1, 1], p: [1, 1, 1, 1]),  // depthwise
            Case(x: [1, 4, 3, 3], w: [5, 4, 1, 1], group: 1, s: [1, 1], d: [1, 1], p: [0, 0, 0, 0]),  // pointwise
            Case(x: [1, 2, 9], w: [3, 2, 3], group: 1, s: [2], d: [2], p: [2, 1]),                   // 1-D
            Case(x: [1, 2, 4, 3, 5], w: [2, 1, 2, 2, 3], group: 2, s: [1, 2, 1], d: [1, 1, 2], p: [0, 1, 1, 1, 0, 0]),
            // A stem: stride-2 im2col rows copied 4 columns at a time, odd widths, both pad sides.
            Case(x: [1, 3, 37, 41], w: [8, 3, 3, 3], group: 1, s: [2, 2], d: [1, 1], p: [1, 1, 1, 1]),
            Case(x: [2, 3, 19, 30], w: [5, 3, 3, 3], group: 1, s: [2, 2], d: [1, 2], p: [0, 2, 1, 0]),
            // Kernel rows / columns that read only padding (Conv.liveTaps): ASPP-like dilations.
            Case(x: [1, 6, 7, 7], w: [4, 6, 3, 3], group: 1, s: [1, 1], d: [9, 9], p: [9, 9, 9, 9]),
            Case(x: [1, 5, 8, 6], w: [3, 5, 3, 3], group: 1, s: [1, 1], d: [6, 7], p: [6, 7, 6, 7]),
            Case(x: [2, 4, 6, 9], w: [4, 2, 3, 5], group: 2, s: [2, 1], d: [8, 2], p: [8, 3, 8, 5]),
            Case(x: [1, 8, 5, 5], w: [8, 1, 3, 3], group: 8, s: [1, 1], d: [6, 6], p: [6, 6, 6, 6]),  // depthwise
        ]
        var seed: UInt32 = 7
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        for c in cases {
            let r = c.x.count - 2
            let kernel = Array(c.w[2...])
            let out = (0..<r).map { i in (c.x[i + 2] + c.p[i] + c.p[i + r] - ((kernel[i] - 1) * c.d[i] + 1)) / c.s[i] + 1 }
            let geom = SpatialGeometry(kernel: kernel, strides: c.s, dilations: c.d, padBegin: Array(c.p[..<r]),
                                       padEnd: Array(c.p[r...]), output: out)
            let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<c.w.reduce(1, *)).map { _ in rnd() }
            let bv = (0..<c.w[0]).map { _ in rnd() }
            let fast = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group)
            let ref = ConvReference.conv(x: xv.map(Double.init), xShape: c.x, w: wv.map(Double.init), wShape: c.w,
                                         bias: bv.map(Double.init), geom: geom, group: c.group)
            #expect(fast.count == ref.count)
            #expect(zip(fast, ref).allSatisfy { abs(Double($0) - $1) < 1e-4 }, "case \(c.x) \(c.w)")
        }
    }

    /// Taps reading only padding are dropped; the smaller kernel keeps the output size.
    @Test func liveTapsDropKernelRowsThatReadOnlyPadding() throws {
        // 3x3, dilation 36, pad 36 on 28x28 (DeepLabV3's ASPP): only the centre tap reads the input.
        let aspp = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [36, 36], padBegin: [36, 36],
                                   padEnd: [36, 36], output: [28, 28])
        let live = Conv.liveTaps(inSp: [28, 28], geom: aspp)
        #expect(live?.0 == [1..<2, 1..<2])
        #expect(live?.1.kernel == [1, 1])
        #expect(live?.1.padBegin == [0, 0] && live?.1.padEnd == [0, 0])
        // Dilation 12 reads the input from every tap somewhere: nothing to drop.
        let d12 = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [12, 12], padBegin: [12, 12],
                                  padEnd: [12, 12], output: [28, 28])
        #expect(Conv.liveTaps(inSp: [28, 28], geom: d12) == nil)
    }

    /// The SIMD depthwise kernel (vector blocks, borders, strides 1-3, dilations, batches),
    /// the tiled 2-D im2col (several tiles, shared among threads) and the pointwise split,
    /// on random shapes, against the plain reference loop.
    @Test func randomShapesMatchReference() throws {
        var seed: UInt32 = 11
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        for trial in 0..<40 {
            let kind = trial % 4  // 0, 1: depthwise, 2: grouped / dense im2col, 3: pointwise
            let batch = 1 + next(2)
            let k = [1, 3, 5, 7][next(4)]
            let s = kind == 3 ? 1 : 1 + next(3), d = kind == 3 ? 1 : 1 + next(2)
            let pb = kind == 3 ? 0 : next(k), pe = kind == 3 ? 0 : next(k)
            let h = max(1, (k - 1) * d + 1 - pb - pe) + next(9)
            let w = max(1, (k - 1) * d + 1 - pb - pe) + next(kind < 2 ? 70 : 40)
            let group: Int, c: Int, m: Int
            switch kind {
            case 0, 1: c = 1 + next(5); group = c; m = c
            case 2: group = 1 + next(2); c = group * (1 + next(40)); m = group * (1 + next(6))
            default: group = 1; c = 1 + next(20); m = 1 + next(20)
            }
            let kk = kind == 3 ? 1 : k
            let xShape = [batch, c, h, w], wShape = [m, c / group, kk, kk]
            let out = [(h + pb + pe - ((kk - 1) * d + 1)) / s + 1, (w + pb + pe - ((kk - 1) * d + 1)) / s + 1]
            let geom = SpatialGeometry(kernel: [kk, kk], strides: [s, s], dilations: [d, d], padBegin: [pb, pb],
                                       padEnd: [pe, pe], output: out)
            let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
            let bv: [Float]? = next(2) == 0 ? nil : (0..<m).map { _ in rnd() }
            let fast = try Conv.convFast(x: xv, xShape: xShape, w: wv, wShape: wShape, bias: bv, geom: geom, group: group)
            let ref = ConvReference.conv(x: xv.map(Double.init), xShape: xShape, w: wv.map(Double.init), wShape: wShape,
                                         bias: bv?.map(Double.init), geom: geom, group: group)
            #expect(fast.count == ref.count)
            let worst = zip(fast, ref).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-4, "x \(xShape) w \(wShape) s \(s) d \(d) pads \(pb),\(pe): off by \(worst)")
        }
        // Enough output rows × columns for several im2col tiles.
        for (xShape, wShape, s) in [([1, 64, 31, 33], [8, 64, 3, 3], 1), ([2, 30, 40, 45], [6, 30, 3, 3], 2)] {
            let geom = SpatialGeometry(kernel: [3, 3], strides: [s, s], dilations: [1, 1], padBegin: [1, 1],
                                       padEnd: [1, 1], output: [(xShape[2] - 1) / s + 1, (xShape[3] - 1) / s + 1])
            let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
            let bv = (0..<wShape[0]).map { _ in rnd() }
            let fast = try Conv.convFast(x: xv, xShape: xShape, w: wv, wShape: wShape, bias: bv, geom: geom, group: 1)
            let ref = ConvReference.conv(x: xv.map(Double.init), xShape: xShape, w: wv.map(Double.init), wShape: wShape,
                                         bias: bv.map(Double.init), geom: geom, group: 1)
            let worst = zip(fast, ref).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(fast.count == ref.count && worst < 1e-4, "x \(xShape): off by \(worst)")
        }
    }

    /// `depthwise2DFloat` (padded copy, no border path) against the plain `depthwise2D` run in
    /// Double: maps 1-20 wide and high (7×7 and 14×14 among them), square and oblong kernels
    /// 1-7, strides 1-3, dilations 1-3, zero / asymmetric pads, bands forced small, with and
    /// without a bias.
    @Test func depthwiseFloatMatchesPlainLoop() throws {
        var seed: UInt32 = 23
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        var fixed: [(h: Int, w: Int, k: Int, s: Int)] = []
        for k in [3, 5, 7] { for s in [1, 2] { fixed += [(7, 7, k, s), (14, 14, k, s)] } }
        var checked = 0
        for trial in 0..<(fixed.count + 400) {
            let h: Int, w: Int, kh: Int, kw: Int, sh: Int, sw: Int
            if trial < fixed.count {
                (h, w, kh, sh) = fixed[trial]; kw = kh; sw = sh
            } else {
                h = 1 + next(20); w = 1 + next(20)
                kh = 1 + next(7); kw = next(3) == 0 ? 1 + next(7) : kh
                sh = 1 + next(3); sw = next(3) == 0 ? 1 + next(3) : sh
            }
            let dh = trial < fixed.count || next(3) > 0 ? 1 : 2 + next(2), dw = trial < fixed.count || next(3) > 0 ? 1 : 2 + next(2)
            let zeroPads = trial < fixed.count ? false : next(5) == 0
            let pt = trial < fixed.count ? kh / 2 : (zeroPads ? 0 : next(kh + 1)), pb = trial < fixed.count ? kh / 2 : (zeroPads ? 0 : next(kh + 1))
            let pl = trial < fixed.count ? kw / 2 : (zeroPads ? 0 : next(kw + 1)), pr = trial < fixed.count ? kw / 2 : (zeroPads ? 0 : next(kw + 1))
            let eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1
            guard h + pt + pb >= eh, w + pl + pr >= ew else { continue }
            let out = [(h + pt + pb - eh) / sh + 1, (w + pl + pr - ew) / sw + 1]
            let geom = SpatialGeometry(kernel: [kh, kw], strides: [sh, sw], dilations: [dh, dw], padBegin: [pt, pl],
                                       padEnd: [pb, pr], output: out)
            let budget = next(2) == 0 ? DepthwiseLayout.bandBudget : 1 + next(200)
            let layout = DepthwiseLayout(h: h, w: w, geom: geom, budget: budget)
            let xv = (0..<(h * w)).map { _ in rnd() }, kv = (0..<(kh * kw)).map { _ in rnd() }
            let bias: Float = next(2) == 0 ? 0 : rnd()
            let count = out[0] * out[1]
            var fast = [Float](repeating: .nan, count: count)
            var scratch = [Float](repeating: .nan, count: max(1, layout.scratchCount))
            var ref = [Double](repeating: Double(bias), count: count)
            let xd = xv.map(Double.init), kd = kv.map(Double.init)
            xv.withUnsafeBufferPointer { px in kv.withUnsafeBufferPointer { pk in
                scratch.withUnsafeMutableBufferPointer { ps in fast.withUnsafeMutableBufferPointer { pf in
                    Conv.depthwise2DFloat(src: px.baseAddress!, layout: layout, kernel: pk.baseAddress!, bias: bias,
                                          scratch: ps.baseAddress!, dst: pf.baseAddress!)
                } }
            } }
            xd.withUnsafeBufferPointer { px in kd.withUnsafeBufferPointer { pk in ref.withUnsafeMutableBufferPointer { pr in
                Conv.depthwise2D(src: px.baseAddress!, h: h, w: w, kernel: pk.baseAddress!, geom: geom, dst: pr.baseAddress!)
            } } }
            let worst = zip(fast, ref).map { $0.isNaN ? .infinity : abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 1e-5, "h \(h) w \(w) k \(kh)x\(kw) s \(sh),\(sw) d \(dh),\(dw) pads \(pt),\(pl),\(pb),\(pr) budget \(budget): off by \(worst)")
            checked += 1
        }
        #expect(checked > 300)
    }

    /// The whole depthwise Conv path (channels split over threads, per-thread scratch, bias per
    /// channel, batch > 1) against the reference, on mobile-net-like shapes.
    @Test func depthwiseConvMatchesReference() throws {
        var seed: UInt32 = 5
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let cases: [(x: [Int], k: Int, s: Int, bias: Bool)] = [
            ([2, 24, 14, 14], 3, 1, true), ([1, 40, 7, 7], 5, 1, true), ([3, 16, 20, 20], 3, 2, false),
            ([1, 8, 17, 33], 7, 1, true), ([2, 12, 28, 28], 5, 2, true), ([1, 6, 9, 9], 3, 3, false),
        ]
        for c in cases {
            let ch = c.x[1], p = c.k / 2
            let out = [(c.x[2] + 2 * p - c.k) / c.s + 1, (c.x[3] + 2 * p - c.k) / c.s + 1]
            let geom = SpatialGeometry(kernel: [c.k, c.k], strides: [c.s, c.s], dilations: [1, 1], padBegin: [p, p],
                                       padEnd: [p, p], output: out)
            let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<(ch * c.k * c.k)).map { _ in rnd() }
            let bv: [Float]? = c.bias ? (0..<ch).map { _ in rnd() } : nil
            let wShape = [ch, 1, c.k, c.k]
            let fast = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: wShape, bias: bv, geom: geom, group: ch)
            let ref = ConvReference.conv(x: xv.map(Double.init), xShape: c.x, w: wv.map(Double.init), wShape: wShape,
                                         bias: bv?.map(Double.init), geom: geom, group: ch)
            let worst = zip(fast, ref).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(fast.count == ref.count && worst < 1e-5, "x \(c.x) k \(c.k) s \(c.s): off by \(worst)")
        }
    }

    /// With a bias the output buffer is not zeroed first: every element must still be written,
    /// whatever the freed memory it reuses held (NaN here), on every path.
    @Test func biasedOutputIsFullyWrittenOverDirtyMemory() throws {
        let cases: [(x: [Int], w: [Int], group: Int, pads: [Int], strides: [Int])] = [
            ([2, 4, 7, 6], [6, 2, 3, 2], 2, [1, 0, 2, 1], [2, 1]),   // im2col + gemm, groups
            ([1, 3, 9, 9], [3, 1, 3, 3], 3, [1, 1, 1, 1], [2, 2]),   // depthwise
            ([1, 4, 5, 3], [5, 4, 1, 1], 1, [0, 0, 0, 0], [1, 1]),   // pointwise
            ([1, 2, 11], [3, 2, 3], 1, [2, 1], [2]),                 // 1-D
        ]
        var seed: UInt32 = 11
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        for c in cases {
            let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<c.w.reduce(1, *)).map { _ in rnd() }
            let bv = (0..<c.w[0]).map { _ in rnd() }
            let attrs = [Attribute(name: "group", value: .int(c.group)), Attribute(name: "pads", value: .ints(c.pads)),
                         Attribute(name: "strides", value: .ints(c.strides))]
            let unbiased = try runNode("Conv", [try f32(c.x, xv), try f32(c.w, wv)], attributes: attrs)[0]
            for _ in 0..<3 {
                // Freed NaN-filled buffers of about the output's size, for the allocator to hand back.
                let dirty = (0..<4).map { _ in TensorBuffer(uninitializedByteCount: unbiased.byteCount) }
                for d in dirty { d.pointer.initializeMemory(as: Float.self, repeating: .nan, count: unbiased.count) }
            }
            let y = try runNode("Conv", [try f32(c.x, xv), try f32(c.w, wv), try f32([c.w[0]], bv)], attributes: attrs)[0]
            let u = try unbiased.scalars(of: Float.self), v = try y.scalars(of: Float.self)
            let per = u.count / (c.x[0] * c.w[0])
            #expect(v.allSatisfy { !$0.isNaN }, "case \(c.x) \(c.w)")
            for i in v.indices {
                let oc = (i / per) % c.w[0]
                #expect(abs(v[i] - (u[i] + bv[oc])) < 1e-5, "case \(c.x) \(c.w) at \(i)")
            }
        }
    }

    /// Without a bias the output is not zero-filled first (except for depthwise, which adds
    /// into it): every element must still be written, over NaN-filled freed buffers.
    @Test func unbiasedOutputIsFullyWrittenOverDirtyMemory() throws {
        let cases: [(x: [Int], w: [Int], group: Int, pads: [Int], strides: [Int])] = [
            ([2, 4, 7, 6], [6, 2, 3, 2], 2, [1, 0, 2, 1], [2, 1]),   // im2col + gemm, groups
            ([1, 3, 9, 9], [3, 1, 3, 3], 3, [1, 1, 1, 1], [2, 2]),   // depthwise
            ([1, 1, 6, 5], [1, 1, 3, 3], 1, [1, 1, 1, 1], [1, 1]),   // one channel: depthwise too
            ([1, 4, 5, 3], [5, 4, 1, 1], 1, [0, 0, 0, 0], [1, 1]),   // pointwise
            ([2, 4, 5, 3], [6, 2, 1, 1], 2, [0, 0, 0, 0], [1, 1]),   // pointwise, groups
            ([1, 2, 11], [3, 2, 3], 1, [2, 1], [2]),                 // 1-D
            ([1, 2, 11], [2, 1, 3], 2, [1, 1], [1]),                 // 1-D depthwise
        ]
        var seed: UInt32 = 5
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        for c in cases {
            let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<c.w.reduce(1, *)).map { _ in rnd() }
            let attrs = [Attribute(name: "group", value: .int(c.group)), Attribute(name: "pads", value: .ints(c.pads)),
                         Attribute(name: "strides", value: .ints(c.strides))]
            let r = c.x.count - 2
            var out: [Int] = []
            for i in 0..<r { out.append((c.x[i + 2] + c.pads[i] + c.pads[i + r] - c.w[i + 2]) / c.strides[i] + 1) }
            let geom = SpatialGeometry(kernel: Array(c.w[2...]), strides: c.strides, dilations: [Int](repeating: 1, count: r),
                                       padBegin: Array(c.pads[..<r]), padEnd: Array(c.pads[r...]), output: out)
            // The yardstick writes into a zeroed array.
            let want = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: nil, geom: geom, group: c.group)
            for _ in 0..<3 {
                let dirty = (0..<4).map { _ in TensorBuffer(uninitializedByteCount: want.count * 4) }
                for d in dirty { d.pointer.initializeMemory(as: Float.self, repeating: .nan, count: want.count) }
            }
            let y = try runNode("Conv", [try f32(c.x, xv), try f32(c.w, wv)], attributes: attrs)[0]
            let v = try y.scalars(of: Float.self)
            #expect(v.count == want.count)
            #expect(zip(v, want).allSatisfy { abs($0 - $1) < 1e-5 }, "case \(c.x) \(c.w)")
        }
    }

    @Test func channelMismatchIsAnError() throws {
        let x = try f32([1, 2, 3, 3], Array(repeating: 0, count: 18))
        let w = try f32([1, 3, 1, 1], [1, 1, 1])
        #expect(throws: (any Error).self) { try runNode("Conv", [x, w]) }
    }

    @Test func convTransposeStride2() throws {
        let x = try f32([1, 1, 2], [1, 2])
        let w = try f32([1, 1, 3], [1, 1, 1])
        let y = try runNode("ConvTranspose", [x, w], attributes: [Attribute(name: "strides", value: .ints([2]))])[0]
        #expect(try y.scalars(of: Float.self) == [1, 1, 3, 2, 2])
    }
}

@Suite struct DeformConvTests {
    @Test func zeroOffsetsMatchConvAndHalfOffsetInterpolates() throws {
        let x = try f32([1, 1, 2, 2], [1, 2, 3, 4])
        let w = try f32([1, 1, 1, 1], [2])
        let zero = try f32([1, 2, 2, 2], Array(repeating: 0, count: 8))
        let y = try runNode("DeformConv", [x, w, zero], opset: 22)[0]
        #expect(try y.scalars(of: Float.self) == [2, 4, 6, 8])
        // Shift every tap half a pixel right: inside values interpolate, the right column fades.
        let half = try f32([1, 2, 2, 2], [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5])
        let z = try runNode("DeformConv", [x, w, half], opset: 22)[0]
        #expect(try z.scalars(of: Float.self) == [3, 2, 7, 4])
    }
}
