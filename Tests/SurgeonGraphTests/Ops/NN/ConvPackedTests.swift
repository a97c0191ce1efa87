@testable import SurgeonGraph
import SurgeonTensor
import Testing

/// Conv's im2col products through the packed-GEMM kernel (`ConvPacked`) against the plain
/// reference loop (Double) and the OpenBLAS path (`packedLevel: -2`; -1 is OpenBLAS on ConvPacked's tiles), at every kernel level
/// this CPU runs (AVX-512F, AVX2 + FMA, plain C) and on 1-3 threads: odd sizes (K across the
/// 256-row blocks, pixels across the 32-column panels, channels across the 12 / 6 / 4-row
/// register tiles), pads, strides, dilations, groups, 1-D / 2-D / 3-D, batches, with and
/// without a bias, with and without a tile epilogue.
@Suite struct ConvPackedTests {
    struct Case {
        var x: [Int]
        var w: [Int]
        var group = 1
        var s: [Int]
        var d: [Int]
        var p: [Int]
    }

    static func geometry(_ c: Case) -> SpatialGeometry {
        let r = c.x.count - 2
        let kernel = Array(c.w[2...])
        let out = (0..<r).map { i in (c.x[i + 2] + c.p[i] + c.p[i + r] - ((kernel[i] - 1) * c.d[i] + 1)) / c.s[i] + 1 }
        return SpatialGeometry(kernel: kernel, strides: c.s, dilations: c.d, padBegin: Array(c.p[..<r]),
                               padEnd: Array(c.p[r...]), output: out)
    }

    static let cases: [Case] = [
        Case(x: [1, 3, 9, 11], w: [5, 3, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),
        Case(x: [2, 4, 7, 6], w: [6, 2, 3, 2], group: 2, s: [2, 1], d: [1, 2], p: [1, 0, 2, 1]),
        Case(x: [1, 30, 13, 15], w: [25, 30, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),  // K = 270: two K blocks
        Case(x: [1, 64, 9, 9], w: [13, 64, 3, 3], s: [2, 2], d: [1, 1], p: [1, 1, 1, 1]),    // K = 576
        Case(x: [1, 8, 20, 21], w: [37, 8, 4, 4], s: [4, 4], d: [1, 1], p: [0, 0, 0, 0]),    // a stem
        Case(x: [1, 16, 14, 14], w: [12, 16, 2, 2], s: [2, 2], d: [1, 1], p: [0, 0, 0, 0]),  // a downsampling conv
        Case(x: [1, 12, 11, 11], w: [24, 12, 1, 1], s: [2, 2], d: [1, 1], p: [0, 0, 0, 0]),  // 1×1, stride 2
        Case(x: [1, 6, 40, 45], w: [7, 6, 3, 3], s: [1, 1], d: [2, 2], p: [2, 2, 2, 2]),     // several tiles
        Case(x: [1, 2, 9], w: [3, 2, 3], s: [2], d: [2], p: [2, 1]),                         // 1-D
        Case(x: [1, 2, 4, 3, 5], w: [2, 1, 2, 2, 3], group: 2, s: [1, 2, 1], d: [1, 1, 2], p: [0, 1, 1, 1, 0, 0]),
        Case(x: [1, 1, 1, 1], w: [1, 1, 1, 1], s: [1, 1], d: [1, 1], p: [1, 0, 0, 1]),       // one pixel, padded
    ]

    /// A case's input and weights, drawn in that order from `seed`.
    static func operands(_ c: Case, _ seed: inout UInt32) -> (x: [Float], w: [Float]) {
        let x = random(c.x.reduce(1, *), &seed)
        return (x, random(c.w.reduce(1, *), &seed))
    }

    /// The plain reference loop (Double) on a case's float operands.
    static func reference(_ c: Case, _ geom: SpatialGeometry, x: [Float], w: [Float], bias: [Float]?) -> [Double] {
        ConvReference.conv(x: x.map(Double.init), xShape: c.x, w: w.map(Double.init), wShape: c.w,
                           bias: bias?.map(Double.init), geom: geom, group: c.group)
    }

    static func random(_ n: Int, _ seed: inout UInt32) -> [Float] {
        (0..<n).map { _ in
            seed = seed &* 1664525 &+ 1013904223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
    }

    @Test func matchesReferenceAndOpenBLASAtEveryLevel() throws {
        var seed: UInt32 = 3
        let epilogue = TileEpilogue(maps: [.relu, .clip(lo: 0, hi: 0.7)])
        for c in Self.cases {
            let geom = Self.geometry(c)
            let (xv, wv) = Self.operands(c, &seed)
            for withBias in [false, true] {
                let bv: [Float]? = withBias ? Self.random(c.w[0], &seed) : nil
                let ref = Self.reference(c, geom, x: xv, w: wv, bias: bv)
                let blas = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                             packedLevel: -2, directLevel: -1)
                for level in -1...PackedMatrix.level {
                    let y = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                              packedLevel: level, directLevel: -1)
                    #expect(y.count == ref.count)
                    let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? 0
                    let vsBlas = zip(y, blas).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst < 1e-4 && vsBlas < 1e-4, "x \(c.x) w \(c.w) bias \(withBias) level \(level): off by \(worst), \(vsBlas)")
                    // The tile epilogue: the result without it, then the epilogue.
                    let e = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                              epilogue: epilogue, packedLevel: level, directLevel: -1)
                    #expect(e == y.map { clipF(reluF($0), 0, 0.7) }, "x \(c.x) w \(c.w) level \(level) with the epilogue")
                }
            }
        }
    }

    /// `ConvPacked.run` on 1-3 threads (tiles shared among the workers, or one tile's im2col,
    /// product and epilogue split) writes every output, over memory holding NaNs, as the
    /// single-threaded run does, the epilogue applied once.
    @Test func everyThreadCountWritesEveryOutput() throws {
        var seed: UInt32 = 5
        for c in Self.cases + [Case(x: [2, 64, 7, 7], w: [40, 64, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),
                               Case(x: [1, 16, 56, 56], w: [16, 16, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),
                               // One tile whose im2col, bias and epilogue the threads share.
                               Case(x: [1, 256, 7, 7], w: [21, 256, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1])] {
            let geom = Self.geometry(c)
            let (xv, wv) = Self.operands(c, &seed)
            let bv = Self.random(c.w[0], &seed)
            let ref = Self.reference(c, geom, x: xv, w: wv, bias: bv).map { Double(reluF(Float($0))) }
            var xs = c.x, ws = c.w, g = geom
            if geom.rank == 1 {
                xs.insert(1, at: 2); ws.insert(1, at: 2)
                g = SpatialGeometry(kernel: [1] + geom.kernel, strides: [1] + geom.strides, dilations: [1] + geom.dilations,
                                    padBegin: [0] + geom.padBegin, padEnd: [0] + geom.padEnd, output: [1] + geom.output)
            }
            let inSp = Array(xs[2...])
            let shape = ConvPacked.Shape(n: xs[0], c: xs[1], m: ws[0], group: c.group, inSp: inSp,
                                         inStrides: contiguousStrides(inSp), inSize: inSp.reduce(1, *), outSp: g.output,
                                         outSize: g.output.reduce(1, *), kSize: g.kernel.reduce(1, *), geom: g)
            var first: [Int: [Float]] = [:]
            for (level, threads) in [(PackedMatrix.level, 1), (PackedMatrix.level, 2), (PackedMatrix.level, 3), (-1, 1), (-1, 2), (-1, 3)] {
                var y = [Float](repeating: .nan, count: ref.count)
                let ok = xv.withUnsafeBufferPointer { px in
                    wv.withUnsafeBufferPointer { pw in
                        bv.withUnsafeBufferPointer { pb in
                            y.withUnsafeMutableBufferPointer { py in
                                ConvPacked.run(x: px.baseAddress!, w: pw.baseAddress!, bias: pb.baseAddress, shape: shape,
                                               y: py.baseAddress!, epilogue: TileEpilogue(maps: [.relu]), level: level,
                                               threads: threads)
                            }
                        }
                    }
                }
                #expect(ok)
                let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(!y.contains { $0.isNaN } && worst < 1e-4, "x \(c.x) w \(c.w) threads \(threads): off by \(worst)")
                if level < 0 { continue }  // OpenBLAS may sum in another order when it splits
                if let one = first[level] { #expect(y == one, "x \(c.x) w \(c.w) level \(level): \(threads) threads differ from one") } else { first[level] = y }
            }
        }
    }
}
