@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RoiAlignFloatTests {
    static func random(_ n: Int, seed: UInt32, lo: Float, hi: Float) -> [Float] {
        var s = seed
        return (0..<n).map { _ in s = s &* 1664525 &+ 1013904223; return lo + Float(s >> 8) / Float(1 << 24) * (hi - lo) }
    }

    /// The float32 channels-last kernel against the Double kernel: channel counts that use the
    /// 32-wide, 8-wide and scalar loops, regions inside, across and outside the image, tiny and
    /// inverted ones, two images, both coordinate modes, fixed and adaptive sampling.
    @Test func fastPathMatchesPlainKernel() throws {
        for channels in [1, 7, 8, 13, 32, 45, 70] {
            let (n, h, w) = (2, 9, 11)
            let x = try Tensor(shape: [n, channels, h, w], scalars: Self.random(n * channels * h * w, seed: UInt32(channels), lo: -1, hi: 1))
            let nRois = 23
            var box = Self.random(nRois * 4, seed: 77 &+ UInt32(channels), lo: -30, hi: 120).map(Double.init)
            // A region far outside, a point, an inverted one.
            box[0...3] = [400, 400, 500, 520]
            box[4...7] = [10, 10, 10, 10]
            box[8...11] = [50, 40, 20, 10]
            let batches: [Int64] = (0..<nRois).map { Int64($0 % n) }
            for halfPixel in [false, true] {
                for ratio in [0, 2] {
                    for (oh, ow) in [(7, 7), (3, 5)] {
                        let args = (box: box, batches: batches, outH: oh, outW: ow, ratio: ratio, scale: 0.125, halfPixel: halfPixel)
                        let fast = try RoiAlignFloat.pool(x, box: args.box, batches: args.batches, outH: oh, outW: ow, ratio: ratio,
                                                          scale: args.scale, halfPixel: halfPixel, mode: "avg")
                        let plain = try RoiAlign.plainPool(x, box: args.box, batches: args.batches, outH: oh, outW: ow, ratio: ratio,
                                                           scale: args.scale, halfPixel: halfPixel, mode: "avg")
                        #expect(fast?.shape == [nRois, channels, oh, ow])
                        let a = try fast?.scalars(of: Float.self) ?? [], b = try plain.scalars(of: Float.self)
                        #expect(a.count == b.count)
                        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 1
                        #expect(worst <= 2e-6, "C \(channels) half \(halfPixel) ratio \(ratio) \(oh)x\(ow): max error \(worst)")
                        #expect(b.contains { $0 != 0 })
                    }
                }
            }
        }
    }

    /// Max mode and float64 go to the plain kernel; a bad batch index is an error, not a crash.
    @Test func otherFormsGoPlainAndBadIndicesThrow() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [Float(1), 2, 3, 4])
        let box: [Double] = [0, 0, 1, 1]
        #expect(try RoiAlignFloat.pool(x, box: box, batches: [0], outH: 1, outW: 1, ratio: 1, scale: 1, halfPixel: false, mode: "max") == nil)
        let xd = try Tensor(shape: [1, 1, 2, 2], scalars: [1.0, 2, 3, 4])
        #expect(try RoiAlignFloat.pool(xd, box: box, batches: [0], outH: 1, outW: 1, ratio: 1, scale: 1, halfPixel: false, mode: "avg") == nil)
        #expect(throws: (any Error).self) {
            try RoiAlignFloat.pool(x, box: box, batches: [1], outH: 1, outW: 1, ratio: 1, scale: 1, halfPixel: false, mode: "avg")
        }
        #expect(throws: (any Error).self) {
            try RoiAlignFloat.pool(x, box: [0, 0, .infinity, 1], batches: [0], outH: 1, outW: 1, ratio: 1, scale: 1, halfPixel: false, mode: "avg")
        }
        // One sample at the centre of [0, 1] x [0, 1]: (1 + 2 + 3 + 4) / 4.
        let y = try RoiAlignFloat.pool(x, box: box, batches: [0], outH: 1, outW: 1, ratio: 1, scale: 1, halfPixel: false, mode: "avg")
        #expect(try y?.scalars(of: Float.self) == [2.5])
    }
}
