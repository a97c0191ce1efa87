@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConvRegionsTests {
    /// DeepLabV3's dilation-12 ASPP on 14x14: the centre tap covers every output, the outer
    /// taps two rows / columns; small or undilated maps keep the one product.
    @Test func planFindsTheTapsRectangles() throws {
        let aspp = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [12, 12], padBegin: [12, 12],
                                   padEnd: [12, 12], output: [14, 14])
        let ranges = ConvRegions.plan(inSp: [14, 14], geom: aspp, channelsPerGroup: 960, outputsPerGroup: 256)
        #expect(ranges?[0] == [12..<14, 0..<14, 0..<2])
        #expect(ranges?[1] == [12..<14, 0..<14, 0..<2])
        // 3x3 pad 1 on 56x56: every tap covers nearly every output.
        let same = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [1, 1], padBegin: [1, 1],
                                   padEnd: [1, 1], output: [56, 56])
        #expect(ConvRegions.plan(inSp: [56, 56], geom: same, channelsPerGroup: 64, outputsPerGroup: 64) == nil)
        // The ASPP geometry with few channels: too little work saved.
        #expect(ConvRegions.plan(inSp: [14, 14], geom: aspp, channelsPerGroup: 4, outputsPerGroup: 4) == nil)
        // Depthwise: its own loop.
        #expect(ConvRegions.plan(inSp: [14, 14], geom: aspp, channelsPerGroup: 1, outputsPerGroup: 1,
                                 minimumSaving: 0, minimumProducts: 0) == nil)
    }

    /// Tap by tap against the plain reference loop on random shapes: dilations and pads that
    /// leave taps live on part of the plane or nowhere (empty rectangles), asymmetric pads,
    /// strides 1-3, groups, batches, with and without a bias, with an epilogue, one block of
    /// output channels or one per channel; rectangles whose
    /// input is read in place (whole rows, stride 1) and gathered.
    @Test func randomShapesMatchReference() throws {
        var seed: UInt32 = 31
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        var checked = 0
        for trial in 0..<80 {
            let kh = 1 + next(4), kw = 1 + next(4)
            let sh = 1 + next(trial % 3 == 0 ? 3 : 1), sw = 1 + next(trial % 3 == 0 ? 3 : 1)
            let dh = 1 + next(9), dw = 1 + next(9)
            let ih = 1 + next(12), iw = 1 + next(12)
            let pads = [next(2 * dh + 2), next(2 * dw + 2), next(2 * dh + 2), next(2 * dw + 2)]
            let oh = (ih + pads[0] + pads[2] - ((kh - 1) * dh + 1)), ow = (iw + pads[1] + pads[3] - ((kw - 1) * dw + 1))
            guard oh >= 0, ow >= 0 else { continue }
            let group = 1 + next(2), cg = 1 + next(6), mg = 1 + next(6)
            let xShape = [1 + next(2), group * cg, ih, iw], wShape = [group * mg, cg, kh, kw]
            let geom = SpatialGeometry(kernel: [kh, kw], strides: [sh, sw], dilations: [dh, dw], padBegin: [pads[0], pads[1]],
                                       padEnd: [pads[2], pads[3]], output: [oh / sh + 1, ow / sw + 1])
            let ranges = (0..<2).map { a in
                ConvRegions.liveOutputs(kernel: geom.kernel[a], stride: geom.strides[a], dilation: geom.dilations[a],
                                        padBegin: geom.padBegin[a], extent: xShape[2 + a], output: geom.output[a])
            }
            let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }
            let wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
            let bv: [Float]? = next(2) == 0 ? nil : (0..<wShape[0]).map { _ in rnd() }
            let relu = next(2) == 0
            let count = xShape[0] * wShape[0] * geom.output.reduce(1, *)
            var y = [Float](repeating: .nan, count: count)
            // Every third trial reads the weights regrouped once (as a plan keeps them).
            var regrouped: [Float]? = trial % 3 == 1 ? [Float](repeating: .nan, count: wv.count) : nil
            if regrouped != nil {
                wv.withUnsafeBufferPointer { pw in
                    regrouped?.withUnsafeMutableBufferPointer { pr in
                        guard let wb = pw.baseAddress, let rb = pr.baseAddress else { return }
                        ConvRegions.regroup(w: wb, wShape: wShape, into: rb)
                    }
                }
            }
            xv.withUnsafeBufferPointer { px in
                wv.withUnsafeBufferPointer { pw in
                    y.withUnsafeMutableBufferPointer { py in
                        withOptionalBuffer(bv) { pb in
                            withOptionalBuffer(regrouped) { pr in
                                guard let xb = px.baseAddress, let wb = pw.baseAddress, let yb = py.baseAddress else { return }
                                ConvRegions.run(x: xb, xShape: xShape, w: wb, wShape: wShape, bias: pb, geom: geom, group: group,
                                                ranges: ranges, y: yb, epilogue: relu ? TileEpilogue(maps: [.relu]) : nil,
                                                blockBudget: trial % 2 == 0 ? 1 : ConvRegions.blockBudget, regrouped: pr)
                            }
                        }
                    }
                }
            }
            var ref = ConvReference.conv(x: xv.map(Double.init), xShape: xShape, w: wv.map(Double.init), wShape: wShape,
                                         bias: bv?.map(Double.init), geom: geom, group: group)
            if relu { ref = ref.map { max(0, $0) } }
            let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(y.count == ref.count && !y.contains { $0.isNaN } && worst < 1e-4,
                    "x \(xShape) w \(wShape) \(geom): off by \(worst)")
            checked += 1
        }
        #expect(checked > 50)
    }

    /// Through `Conv.convFast` (the plan taken) on an ASPP-like shape with enough channels.
    @Test func convTakesThePlanAndMatchesReference() throws {
        var seed: UInt32 = 3
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let xShape = [1, 64, 9, 11], wShape = [128, 64, 3, 3]
        let geom = SpatialGeometry(kernel: [3, 3], strides: [1, 1], dilations: [6, 7], padBegin: [6, 7], padEnd: [6, 7],
                                   output: [9, 11])
        #expect(ConvRegions.plan(inSp: [9, 11], geom: geom, channelsPerGroup: 64, outputsPerGroup: 128) != nil)
        let xv = (0..<xShape.reduce(1, *)).map { _ in rnd() }, wv = (0..<wShape.reduce(1, *)).map { _ in rnd() }
        let bv = (0..<128).map { _ in rnd() }
        let fast = try Conv.convFast(x: xv, xShape: xShape, w: wv, wShape: wShape, bias: bv, geom: geom, group: 1)
        let ref = ConvReference.conv(x: xv.map(Double.init), xShape: xShape, w: wv.map(Double.init), wShape: wShape,
                                     bias: bv.map(Double.init), geom: geom, group: 1)
        let worst = zip(fast, ref).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(fast.count == ref.count && worst < 1e-4, "off by \(worst)")
    }
}
