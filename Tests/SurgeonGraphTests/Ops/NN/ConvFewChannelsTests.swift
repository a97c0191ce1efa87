@testable import SurgeonGraph
import SurgeonTensor
import Testing

@Suite struct ConvFewChannelsTests {
    /// The direct few-channels kernel (stems) through `Conv.convFast`, against the plain
    /// reference loop: 1-D and 2-D, 1-2 batch items, groups, 4-20 output channels per group
    /// (partial blocks of 8), kernels up to 5 wide, strides 1-3, dilations 1-2, asymmetric
    /// pads, odd sizes, with and without a bias.
    @Test func matchesReference() throws {
        var seed: UInt32 = 77
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        var checked = 0
        for trial in 0..<150 {
            let oneD = trial % 5 == 4
            let group = next(3) == 0 ? 2 : 1
            let cg = 1 + next(3), mg = 4 + next(17)
            let kh = oneD ? 1 : 1 + next(5), kw = 1 + next(5)
            guard cg * kh * kw <= ConvFewChannels.maximumInputs else { continue }
            let sh = oneD ? 1 : 1 + next(3), sw = 1 + next(3)
            let dh = oneD ? 1 : 1 + next(2), dw = 1 + next(2)
            let pt = oneD ? 0 : next(kh), pb = oneD ? 0 : next(kh), pl = next(kw), pr = next(kw)
            guard kh * kw > 1 || sh * sw > 1 || pt + pb + pl + pr > 0 else { continue }  // pointwise: not this path
            let h = oneD ? 1 : 1 + next(30), w = 1 + next(40)
            let eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1
            guard h + pt + pb >= eh, w + pl + pr >= ew else { continue }
            let n = 1 + next(2), c = cg * group, m = mg * group
            let out = [(h + pt + pb - eh) / sh + 1, (w + pl + pr - ew) / sw + 1]
            let geom: SpatialGeometry, xShape: [Int], wShape: [Int]
            if oneD {
                geom = SpatialGeometry(kernel: [kw], strides: [sw], dilations: [dw], padBegin: [pl], padEnd: [pr], output: [out[1]])
                xShape = [n, c, w]; wShape = [m, cg, kw]
            } else {
                geom = SpatialGeometry(kernel: [kh, kw], strides: [sh, sw], dilations: [dh, dw], padBegin: [pt, pl],
                                       padEnd: [pb, pr], output: out)
                xShape = [n, c, h, w]; wShape = [m, cg, kh, kw]
            }
            #expect(ConvFewChannels.takes(channelsPerGroup: cg, kernelSize: kh * kw, outputChannelsPerGroup: mg))
            let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
            let bv: [Float]? = next(2) == 0 ? nil : (0..<m).map { _ in rnd() }
            let fast = try Conv.convFast(x: xv, xShape: xShape, w: wv, wShape: wShape, bias: bv, geom: geom, group: group)
            let ref = ConvReference.conv(x: xv.map(Double.init), xShape: xShape, w: wv.map(Double.init), wShape: wShape,
                                         bias: bv?.map(Double.init), geom: geom, group: group)
            let worst = fast.count == ref.count ? zip(fast, ref).map { $0.isNaN ? .infinity : abs(Double($0) - $1) }.max() ?? 0 : .infinity
            #expect(worst < 1e-5, "x \(xShape) w \(wShape) group \(group) s \(sh),\(sw) d \(dh),\(dw) pads \(pt),\(pl),\(pb),\(pr): off by \(worst)")
            checked += 1
        }
        #expect(checked > 80)
    }

    /// A stem (3 → 16, 3×3 stride 2, odd size) with a fused epilogue, over an output holding
    /// NaN: the plain result then the epilogue, bit for bit.
    @Test func epilogueIsResultThenEpilogue() throws {
        var seed: UInt32 = 3
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let xShape = [1, 3, 37, 29], wShape = [16, 3, 3, 3]
        let out = [19, 15]
        let geom = SpatialGeometry(kernel: [3, 3], strides: [2, 2], dilations: [1, 1], padBegin: [1, 1], padEnd: [1, 1], output: out)
        let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }, wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
        let bv = (0..<16).map { _ in rnd() }
        let e = TileEpilogue(maps: [.unary(.hardSwish)])
        var expected = try Conv.convFast(x: xv, xShape: xShape, w: wv, wShape: wShape, bias: bv, geom: geom, group: 1)
        let count = expected.count
        expected.withUnsafeMutableBufferPointer { e.apply($0.baseAddress!, count) }
        var fused = [Float](repeating: .nan, count: count)
        try xv.withUnsafeBufferPointer { px in try wv.withUnsafeBufferPointer { pw in try fused.withUnsafeMutableBufferPointer { py in
            try Conv.convCore(x: px.baseAddress!, xShape: xShape, w: pw.baseAddress!, wShape: wShape, bias: bv, geom: geom,
                              group: 1, y: py.baseAddress!, epilogue: e)
        } } }
        #expect(fused.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(fused.allSatisfy { !$0.isNaN })
    }
}
