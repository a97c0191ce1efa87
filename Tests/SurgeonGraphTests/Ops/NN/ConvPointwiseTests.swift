@testable import SurgeonGraph
import SurgeonTensor
import Testing

/// Float32 pointwise convolutions through our own kernel (`ConvPointwise`) against the plain
/// reference loop (Double) and the OpenBLAS path (`directLevel: -1`), at every kernel level this
/// CPU runs, and on 1-3 threads bit for bit: odd sizes (pixels below, at and across the
/// 32-column tiles and the 1024-column blocks, input channels across the 256-row K blocks,
/// output channels across the 12 / 6 / 4-row register tiles), groups, batches, 1-D and 3-D,
/// with and without a bias and a tile epilogue.
@Suite struct ConvPointwiseTests {
    typealias Case = ConvPackedTests.Case

    static func pointwise(_ x: [Int], _ m: Int, group: Int = 1) -> Case {
        let r = x.count - 2
        return Case(x: x, w: [m, x[1] / group] + [Int](repeating: 1, count: r), group: group,
                    s: [Int](repeating: 1, count: r), d: [Int](repeating: 1, count: r), p: [Int](repeating: 0, count: 2 * r))
    }

    static let cases: [Case] = [
        pointwise([1, 40, 14, 14], 240),      // mobilenet_v3_small's features.5.block.0
        pointwise([1, 3, 5, 5], 7),           // 25 pixels: the tail only
        pointwise([1, 5, 4, 8], 13),          // 32 pixels: one whole tile
        pointwise([2, 6, 7, 7], 10),          // a batch, 49 pixels
        pointwise([1, 300, 3, 11], 25),       // K = 300: two K blocks
        pointwise([1, 8, 33, 35], 14),        // 1155 pixels: two column blocks
        pointwise([1, 12, 6, 9], 18, group: 3),
        pointwise([2, 4, 5, 6], 6, group: 2),
        pointwise([1, 9, 37], 11),            // 1-D
        pointwise([1, 4, 3, 5, 7], 9),        // 3-D
        pointwise([1, 1, 1, 1], 1),           // one pixel
    ]

    @Test func matchesReferenceAndOpenBLASAtEveryLevel() throws {
        var seed: UInt32 = 29
        let epilogue = TileEpilogue(maps: [.relu, .clip(lo: 0, hi: 0.7)])
        for c in Self.cases {
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            for withBias in [false, true] {
                let bv: [Float]? = withBias ? ConvPackedTests.random(c.w[0], &seed) : nil
                let ref = ConvPackedTests.reference(c, geom, x: xv, w: wv, bias: bv)
                let blas = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                             directLevel: -1)
                for level in 0...PackedMatrix.level {
                    let y = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                              directLevel: level)
                    #expect(y.count == ref.count)
                    let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? 0
                    let vsBlas = zip(y, blas).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst < 1e-4 && vsBlas < 1e-4, "x \(c.x) w \(c.w) bias \(withBias) level \(level): off by \(worst), \(vsBlas)")
                    let e = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                              epilogue: epilogue, directLevel: level)
                    #expect(e == y.map { clipF(reluF($0), 0, 0.7) }, "x \(c.x) w \(c.w) level \(level) with the epilogue")
                }
            }
        }
    }

    /// `ConvPointwise.run` on 1-3 threads (columns or output channels split) writes every
    /// output, over memory holding NaNs, bit for bit as one thread does, the epilogue applied once.
    @Test func everyThreadCountWritesEveryOutputTheSame() throws {
        var seed: UInt32 = 31
        for c in Self.cases + [Self.pointwise([1, 16, 64, 64], 24), Self.pointwise([1, 96, 7, 7], 576)] {
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            let ref = ConvPackedTests.reference(c, geom, x: xv, w: wv, bias: bv).map { Double(reluF(Float($0))) }
            let pixels = geom.output.reduce(1, *)
            for level in 0...PackedMatrix.level {
                var first: [Float]?
                for threads in 1...3 {
                    var y = [Float](repeating: .nan, count: ref.count)
                    let ok = xv.withUnsafeBufferPointer { px in
                        wv.withUnsafeBufferPointer { pw in
                            bv.withUnsafeBufferPointer { pb in
                                y.withUnsafeMutableBufferPointer { py in
                                    guard let x = px.baseAddress, let w = pw.baseAddress, let out = py.baseAddress else { return false }
                                    return ConvPointwise.run(x: x, w: w, bias: pb.baseAddress, n: c.x[0], c: c.x[1], m: c.w[0],
                                                             group: c.group, pixels: pixels, y: out,
                                                             epilogue: TileEpilogue(maps: [.relu]), level: level, threads: threads)
                                }
                            }
                        }
                    }
                    #expect(ok)
                    let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? .infinity
                    #expect(!y.contains { $0.isNaN } && worst < 1e-4, "x \(c.x) w \(c.w) level \(level) threads \(threads): off by \(worst)")
                    if let one = first {
                        let same = y.count == one.count && zip(y, one).allSatisfy { $0.bitPattern == $1.bitPattern }
                        #expect(same, "x \(c.x) w \(c.w) level \(level): \(threads) threads differ from one")
                    } else {
                        first = y
                    }
                }
            }
        }
    }

    /// Many input channels on large planes read the input through packed slabs
    /// (`ConvPointwise.packedColumns`), and 33-64-pixel maps (7 × 7, 6 × 9) through one 64-column
    /// tile (`ConvPointwise.oneTile`): the same bits as reading it in place, at every level and
    /// on 1-3 threads: slabs of equal width with a partial tile, K across the 256-row blocks,
    /// groups, a batch.
    @Test func packedSlabsGiveTheBitsOfTheInPlaceInput() throws {
        var seed: UInt32 = 43
        for c in [Self.pointwise([1, 100, 47, 45], 13), Self.pointwise([2, 200, 46, 46], 10, group: 2),
                  Self.pointwise([1, 300, 41, 50], 7), Self.pointwise([1, 300, 7, 7], 30),
                  Self.pointwise([2, 40, 6, 9], 26, group: 2)] {
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            let ref = ConvPackedTests.reference(c, geom, x: xv, w: wv, bias: bv).map { Double(reluF(Float($0))) }
            let pixels = geom.output.reduce(1, *)
            #expect(ConvPointwise.packedColumns(cg: c.w[1], pixels: pixels, columns: pixels) > 0
                    || ConvPointwise.oneTile(pixels: pixels, level: PackedMatrix.level) || PackedMatrix.level < 2, "x \(c.x): not packed")
            for level in 0...PackedMatrix.level {
                var results: [[Float]] = []
                for (threads, pack) in [(1, false), (1, true), (2, true), (3, true)] {
                    var y = [Float](repeating: .nan, count: ref.count)
                    let ok = xv.withUnsafeBufferPointer { px in
                        wv.withUnsafeBufferPointer { pw in
                            bv.withUnsafeBufferPointer { pb in
                                y.withUnsafeMutableBufferPointer { py in
                                    guard let x = px.baseAddress, let w = pw.baseAddress, let out = py.baseAddress else { return false }
                                    return ConvPointwise.run(x: x, w: w, bias: pb.baseAddress, n: c.x[0], c: c.x[1], m: c.w[0],
                                                             group: c.group, pixels: pixels, y: out,
                                                             epilogue: TileEpilogue(maps: [.relu]), level: level, threads: threads,
                                                             packInput: pack)
                                }
                            }
                        }
                    }
                    let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? .infinity
                    #expect(ok && !y.contains { $0.isNaN } && worst < 1e-4, "x \(c.x) level \(level) threads \(threads): off by \(worst)")
                    results.append(y)
                }
                let same = results.allSatisfy { r in zip(r, results[0]).allSatisfy { $0.bitPattern == $1.bitPattern } }
                #expect(same, "x \(c.x) level \(level): packed slabs differ from the input read in place")
            }
        }
    }

    /// The regression: mobilenet_v3_small's 40 → 240 pointwise conv on 14×14 gave other bits at
    /// 2 kernel threads than at 1 (OpenBLAS ran each thread's 120 rows with its small-matrix
    /// kernel, the whole product with its blocked kernel). Through Conv itself, by the global
    /// thread count.
    @Test func oneAndTwoKernelThreadsGiveTheSameBits() throws {
        guard PackedMatrix.level >= 1 else { return }
        var seed: UInt32 = 37
        let c = Self.pointwise([1, 40, 14, 14], 240)
        let geom = ConvPackedTests.geometry(c)
        let (xv, wv) = ConvPackedTests.operands(c, &seed)
        let bv = ConvPackedTests.random(c.w[0], &seed)
        let saved = kernelThreads
        defer { kernelThreads = saved }
        kernelThreads = 1
        let one = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group)
        kernelThreads = 2
        let two = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group)
        // (On main's OpenBLAS path, directLevel -1, 683 of the 47040 values differed.)
        let differing = zip(one, two).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(one.count == two.count && differing == 0, "\(differing) of \(one.count) values differ")
    }

    /// `convDirectProduct` reading the weights in place (`weightsInPlaceUpTo`, what
    /// ConvPointwise uses on small maps) gives the bits of the copied register tiles, at every
    /// level: K across the 256-row blocks, rows across the register tiles, columns across tiles
    /// (the 12 × 32, 8 × 48 and 6 × 64 tiles of AVX-512).
    @Test func weightsReadInPlaceGiveTheSameBits() throws {
        var seed: UInt32 = 41
        for (m, k, n) in [(1, 5, 7), (13, 37, 49), (25, 300, 33), (30, 9, 100), (7, 520, 64), (17, 300, 48), (9, 40, 144)] {
            let a = ConvPackedTests.random(m * k, &seed), bias = ConvPackedTests.random(m, &seed)
            let src = ConvPackedTests.random(k * n + 32, &seed)
            let offsets = (0..<k).map { Int32($0 * n) }
            for level in 0...PackedMatrix.level {
                var results: [[Float]] = []
                for upTo in [0, 64, 1 << 20] {
                    var c = [Float](repeating: .nan, count: m * n)
                    let ok = a.withUnsafeBufferPointer { pa in
                        src.withUnsafeBufferPointer { ps in
                            offsets.withUnsafeBufferPointer { po in
                                bias.withUnsafeBufferPointer { pb in
                                    c.withUnsafeMutableBufferPointer { pc in
                                        guard let a = pa.baseAddress, let s = ps.baseAddress, let o = po.baseAddress,
                                              let out = pc.baseAddress else { return false }
                                        return convDirectProduct(m: m, k: k, a: a, lda: k, src: s, offsets: o, c: out, ldc: n,
                                                                 j0: 0, j1: n, bias: pb.baseAddress, level: level,
                                                                 weightsInPlaceUpTo: upTo)
                                    }
                                }
                            }
                        }
                    }
                    #expect(ok && !c.contains { $0.isNaN })
                    results.append(c)
                }
                let same = results.allSatisfy { r in zip(r, results[0]).allSatisfy { $0.bitPattern == $1.bitPattern } }
                #expect(same, "m \(m) k \(k) n \(n) level \(level): in place differs from the copied tiles")
            }
        }
    }
}

extension ConvPointwiseTests {
    /// A product of many output channels over many pixels runs its columns in chunks, each
    /// chunk's epilogue right after it: with x · sigmoid(x) (which differs when applied twice or
    /// missed) the result is the product then the epilogue, bit for bit, at every level this
    /// CPU runs: 70 rows make 960-column chunks, over 1600 pixels (two chunks) and 1681 (two
    /// chunks and the 17-column tail).
    @Test func epilogueRunsOnceOnEveryOutputAcrossChunks() throws {
        var seed: UInt32 = 71
        let gated = TileEpilogue(maps: [.gated(.sigmoid)])
        for c in [Self.pointwise([1, 8, 40, 40], 70), Self.pointwise([1, 8, 41, 41], 70), Self.pointwise([2, 20, 30, 33], 90)] {
            #expect(ConvDirect.chunkColumns(rows: c.w[0]) < c.x[2] * c.x[3] || ConvDirect.chunkColumns(rows: c.w[0]) == 0)
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            for level in 0...PackedMatrix.level {
                var want = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                             directLevel: level)
                want.withUnsafeMutableBufferPointer { gated.apply($0.baseAddress!, $0.count) }
                let got = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                            epilogue: gated, directLevel: level)
                let same = got.map(\.bitPattern) == want.map(\.bitPattern)
                #expect(same, "x \(c.x) w \(c.w) level \(level)")
            }
        }
    }
}
