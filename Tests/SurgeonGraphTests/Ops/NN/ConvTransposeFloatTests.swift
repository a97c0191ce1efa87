@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ConvTransposeFloatTests {
    /// The definition, in Double: every (input position, tap) adds x * w at its output position.
    static func direct(x: [Float], w: [Float], bias: [Float]?, s: ConvTransposeShape) -> [Double] {
        let two = s.inSp.count == 2
        let ih = two ? s.inSp[0] : 1, iw = s.inSp.last ?? 1, oh = two ? s.outSp[0] : 1, ow = s.outSp.last ?? 1
        let kh = two ? s.kernel[0] : 1, kw = s.kernel.last ?? 1
        let sh = two ? s.strides[0] : 1, sw = s.strides.last ?? 1, dh = two ? s.dilations[0] : 1, dw = s.dilations.last ?? 1
        let ph = two ? s.padBegin[0] : 0, pw = s.padBegin.last ?? 0
        var y = [Double](repeating: 0, count: s.n * s.m * oh * ow)
        for b in 0..<s.n { for oc in 0..<s.m { for i in 0..<(oh * ow) { y[(b * s.m + oc) * oh * ow + i] = Double(bias?[oc] ?? 0) } } }
        for b in 0..<s.n { for ic in 0..<s.c {
            let g = ic / s.cg
            for iy in 0..<ih { for ix in 0..<iw {
                let xv = Double(x[((b * s.c + ic) * ih + iy) * iw + ix])
                for j in 0..<s.mg { for ky in 0..<kh { for kx in 0..<kw {
                    let oy = iy * sh - ph + ky * dh, ox = ix * sw - pw + kx * dw
                    guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                    let oc = g * s.mg + j
                    y[((b * s.m + oc) * oh + oy) * ow + ox] += xv * Double(w[((ic * s.mg + j) * kh + ky) * kw + kx])
                } } }
            } }
        } }
        return y
    }

    /// The fast kernel (several bands forced by small column budgets, one band, threads) and the
    /// plain kernel against the definition on random 1-D and 2-D shapes: odd sizes, strides 1-3,
    /// pads (asymmetric, wider than the kernel), output_padding, output extents cropped or
    /// extended (output_shape), dilations, groups, with and without a bias.
    @Test func randomShapesMatchPlainAndDefinition() throws {
        var seed: UInt32 = 23
        func next(_ n: Int) -> Int { seed = seed &* 1664525 &+ 1013904223; return Int(seed >> 8) % n }
        func rnd() -> Float { Float(next(1 << 20)) / Float(1 << 20) - 0.5 }
        var tested = 0
        for trial in 0..<120 {
            let r = trial % 5 == 0 ? 1 : 2
            let group = 1 + next(3)
            let c = group * (1 + next(5)), mg = 1 + next(5), m = mg * group
            let inSp = (0..<r).map { _ in 1 + next(11) }
            let kernel = (0..<r).map { _ in 1 + next(5) }
            let strides = (0..<r).map { _ in 1 + next(3) }
            let dil = (0..<r).map { _ in 1 + next(3) }
            let padB = (0..<r).map { _ in next(4) }, padE = (0..<r).map { _ in next(4) }
            let outSp = (0..<r).map { i -> Int in
                let full = strides[i] * (inSp[i] - 1) + next(strides[i]) + (kernel[i] - 1) * dil[i] + 1 - padB[i] - padE[i]
                return next(6) == 0 ? max(0, full + next(5) - 2) : full  // output_shape: crop / extend at the end
            }
            guard outSp.allSatisfy({ $0 > 0 }) else { continue }
            let s = ConvTransposeShape(n: 1 + next(2), c: c, m: m, group: group, inSp: inSp, outSp: outSp, kernel: kernel,
                                       strides: strides, dilations: dil, padBegin: padB)
            let x = (0..<(s.n * c * inSp.reduce(1, *))).map { _ in rnd() }
            let w = (0..<(c * mg * kernel.reduce(1, *))).map { _ in rnd() }
            let bias: [Float]? = next(2) == 0 ? nil : (0..<m).map { _ in rnd() }
            let want = Self.direct(x: x, w: w, bias: bias, s: s)
            let plain = ConvTranspose.plain(x: x, w: w, bias: bias, shape: s)
            let count = s.outShape.reduce(1, *)
            for budget in [1, 37, ConvTransposeFloat.columnBudget] {
                var y = [Float](repeating: .nan, count: count)
                x.withUnsafeBufferPointer { px in
                    w.withUnsafeBufferPointer { pw in
                        y.withUnsafeMutableBufferPointer { py in
                            withOptionalBuffer(bias) { pb in
                                guard let yb = py.baseAddress else { return }
                                ConvTransposeFloat.run(x: px.baseAddress, w: pw.baseAddress, bias: pb, shape: s, y: yb,
                                                       columnBudget: budget)
                            }
                        }
                    }
                }
                let worst = zip(y, want).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst < 1e-4, "\(s) budget \(budget): off by \(worst)")
            }
            let worstPlain = zip(plain, want).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(plain.count == want.count && worstPlain < 1e-4, "plain \(s): off by \(worstPlain)")
            tested += 1
        }
        #expect(tested > 80)
    }

    /// unet_small's ConvTranspose (64 -> 32 channels, 4x4 stride 2 pad 1, 8x8 -> 16x16) through
    /// the op, and the same in float16 (through float32) and as 3-D (the plain kernel).
    @Test func throughTheOpAndOtherTypesAndRanks() throws {
        var seed: UInt32 = 5
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let xv = (0..<(64 * 64)).map { _ in rnd() }, wv = (0..<(64 * 32 * 16)).map { _ in rnd() }
        let bv = (0..<32).map { _ in rnd() }
        let attrs = [Attribute(name: "strides", value: .ints([2, 2])), Attribute(name: "pads", value: .ints([1, 1, 1, 1]))]
        let y = try runNode("ConvTranspose", [try f32([1, 64, 8, 8], xv), try f32([64, 32, 4, 4], wv), try f32([32], bv)],
                            attributes: attrs)[0]
        #expect(y.shape == [1, 32, 16, 16])
        let s = ConvTransposeShape(n: 1, c: 64, m: 32, group: 1, inSp: [8, 8], outSp: [16, 16], kernel: [4, 4],
                                   strides: [2, 2], dilations: [1, 1], padBegin: [1, 1])
        let want = Self.direct(x: xv, w: wv, bias: bv, s: s)
        let got = try y.scalars(of: Float.self)
        #expect(zip(got, want).allSatisfy { abs(Double($0) - $1) < 1e-4 })
        // float16: the float32 result rounded once.
        let h = try runNode("ConvTranspose", [try f32([1, 64, 8, 8], xv).cast(to: .float16),
                                              try f32([64, 32, 4, 4], wv).cast(to: .float16),
                                              try f32([32], bv).cast(to: .float16)], attributes: attrs)[0]
        #expect(h.dtype == .float16 && h.shape == [1, 32, 16, 16])
        #expect(zip(h.floatArray(), want).allSatisfy { abs(Double($0) - $1) < 0.05 })
        // 3-D with a unit depth equals the 2-D result.
        let attrs3 = [Attribute(name: "strides", value: .ints([1, 2, 2])), Attribute(name: "pads", value: .ints([0, 1, 1, 0, 1, 1]))]
        let y3 = try runNode("ConvTranspose", [try f32([1, 64, 1, 8, 8], xv), try f32([64, 32, 1, 4, 4], wv), try f32([32], bv)],
                             attributes: attrs3)[0]
        #expect(y3.shape == [1, 32, 1, 16, 16])
        #expect(zip(y3.floatArray(), want).allSatisfy { abs(Double($0) - $1) < 1e-4 })
    }
}
