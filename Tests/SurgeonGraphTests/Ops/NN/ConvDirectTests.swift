@testable import SurgeonGraph
import SurgeonTensor
import Testing

/// Float32 2-D convolutions without im2col columns (`ConvDirect`) against the plain reference
/// loop (Double) and the OpenBLAS im2col path, at every kernel level this CPU runs (AVX-512F,
/// AVX2 + FMA, plain C) and on 1-3 threads: odd sizes (K across the 256-row blocks, flat
/// columns across the 32- / 48-column tiles and the 960-column blocks, channels across the
/// 8 / 12 / 6 / 4-row register tiles), pads (asymmetric, larger than the kernel), strides, dilations,
/// groups, batches, 1-D, with and without a bias and a tile epilogue.
@Suite struct ConvDirectTests {
    typealias Case = ConvPackedTests.Case

    static let cases: [Case] = ConvPackedTests.cases + [
        Case(x: [1, 3, 5, 9, 10], w: [7, 3, 3, 3, 3], s: [1, 1, 1], d: [1, 1, 1], p: [1, 1, 1, 1, 1, 1]),   // 3-D (r3d_18)
        Case(x: [2, 4, 6, 7, 5], w: [6, 2, 3, 2, 3], group: 2, s: [2, 1, 2], d: [1, 2, 1], p: [1, 0, 2, 0, 1, 1]),
        Case(x: [1, 2, 4, 6, 6], w: [3, 2, 1, 3, 3], s: [1, 2, 2], d: [1, 1, 1], p: [0, 1, 1, 0, 1, 1]),
        Case(x: [1, 16, 56, 56], w: [13, 16, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),   // > 1024 columns
        Case(x: [1, 40, 30, 31], w: [20, 40, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),   // 8 × 48 tiles, k > 256
        Case(x: [2, 3, 23, 19], w: [8, 3, 7, 7], s: [2, 2], d: [1, 1], p: [3, 3, 3, 3]),      // a stem
        Case(x: [1, 5, 10, 9], w: [6, 5, 3, 2], s: [3, 2], d: [2, 3], p: [0, 4, 5, 1]),       // mixed
        Case(x: [1, 4, 6, 7], w: [4, 2, 5, 5], group: 2, s: [1, 1], d: [1, 1], p: [6, 0, 2, 7]),  // pads > kernel
        Case(x: [1, 8, 14, 14], w: [9, 8, 3, 3], s: [1, 1], d: [6, 6], p: [6, 6, 6, 6]),      // dilated, regions of padding
        Case(x: [1, 4, 60, 62], w: [72, 4, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),     // 960-column chunks
        Case(x: [1, 6, 40, 45], w: [16, 6, 3, 3], s: [2, 2], d: [1, 1], p: [1, 1, 1, 1]),     // stride 2, rows of 8 at a time
        Case(x: [1, 3, 38, 41], w: [8, 3, 7, 7], s: [2, 2], d: [1, 1], p: [3, 2, 3, 4]),      // an odd and an even pad
        Case(x: [1, 9, 28, 28], w: [10, 9, 3, 3], s: [1, 1], d: [4, 4], p: [4, 4, 4, 4]),     // fcn_resnet50's layer4
        Case(x: [1, 5, 11, 13], w: [7, 5, 3, 5], s: [1, 1], d: [1, 2], p: [1, 1, 2, 6]),      // right pad > left pad
        Case(x: [1, 5, 11, 13], w: [7, 5, 3, 5], s: [1, 1], d: [1, 2], p: [2, 5, 0, 3]),      // left pad > right pad
    ]

    /// Stride-1 rows hold the input row and the wider of its two pads (a tap past the row's
    /// end reads the next row's left pad); strided rows are phase planes of the whole padded row.
    @Test func rowsAreAsWideAsTheInputAndItsWiderPad() throws {
        var checked = 0
        for c in Self.cases where c.x.count == 4 {
            guard let plan = ConvDirect(channels: c.x[1] / c.group, h: c.x[2], w: c.x[3], geom: ConvPackedTests.geometry(c))
            else { continue }
            let (pl, pr) = (c.p[1], c.p[3])
            let want = c.s[1] == 1 ? c.x[3] + max(pl, pr) : (c.x[3] + pl + pr + c.s[1] - 1) / c.s[1]
            #expect(plan.wq == want, "x \(c.x) w \(c.w) pads \(c.p): rows of \(plan.wq)")
            checked += 1
        }
        #expect(checked >= 12)
    }

    @Test func matchesReferenceAndOpenBLASAtEveryLevel() throws {
        var seed: UInt32 = 11
        let epilogue = TileEpilogue(maps: [.relu, .clip(lo: 0, hi: 0.7)])
        for c in Self.cases {
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            for withBias in [false, true] {
                let bv: [Float]? = withBias ? ConvPackedTests.random(c.w[0], &seed) : nil
                let ref = ConvPackedTests.reference(c, geom, x: xv, w: wv, bias: bv)
                let blas = try Conv.convFast(x: xv, xShape: c.x, w: wv, wShape: c.w, bias: bv, geom: geom, group: c.group,
                                             packedLevel: -2, directLevel: -1)
                var levels: [[Float]] = []
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
                    levels.append(y)
                }
                #expect(levels.count == PackedMatrix.level + 1)
            }
        }
    }

    /// Every (channel, tap) row of the padded phase planes holds, at flat column oy × wq + ox,
    /// exactly the input element that tap reads for output (oy, ox), or 0 in the padding.
    @Test func offsetsReadTheRightInputElements() throws {
        var seed: UInt32 = 17
        for c in Self.cases where c.x.count == 4 && c.group == 1 {
            let geom = ConvPackedTests.geometry(c)
            let (ch, h, w) = (c.x[1], c.x[2], c.x[3])
            let xv = ConvPackedTests.random(ch * h * w, &seed)
            let plan = try #require(ConvDirect(channels: ch, h: h, w: w, geom: geom))
            var buffer = [Float](repeating: 0, count: plan.bufferCount)
            xv.withUnsafeBufferPointer { px in
                buffer.withUnsafeMutableBufferPointer { pb in
                    guard let src = px.baseAddress, let dst = pb.baseAddress else { return }
                    plan.fill(src: src, channels: 0, ch, dst: dst)
                }
            }
            let (kh, kw) = (c.w[2], c.w[3])
            var wrong = 0
            for k in 0..<ch {
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let off = Int(plan.offsets[(k * kh + ky) * kw + kx])
                        for oy in 0..<geom.output[0] {
                            for ox in 0..<geom.output[1] {
                                let iy = oy * c.s[0] + ky * c.d[0] - c.p[0], ix = ox * c.s[1] + kx * c.d[1] - c.p[1]
                                let want: Float = iy >= 0 && iy < h && ix >= 0 && ix < w ? xv[(k * h + iy) * w + ix] : 0
                                if buffer[off + oy * plan.wq + ox] != want { wrong += 1 }
                            }
                        }
                    }
                }
            }
            #expect(wrong == 0, "x \(c.x) w \(c.w): \(wrong) wrong reads")
        }
    }

    /// `ConvDirect.run` on 1-3 threads (columns or output channels split) writes every output,
    /// over memory holding NaNs, bit for bit as one thread does, the epilogue applied once.
    @Test func everyThreadCountWritesEveryOutputTheSame() throws {
        var seed: UInt32 = 23
        for c in Self.cases + [Case(x: [1, 256, 7, 7], w: [40, 256, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1])]
        where c.x.count >= 4 {
            let geom = ConvPackedTests.geometry(c)
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            let ref = ConvPackedTests.reference(c, geom, x: xv, w: wv, bias: bv).map { Double(reluF(Float($0))) }
            var first: [Float]?
            for threads in 1...3 {
                let run = Self.runDirect(c, x: xv, w: wv, bias: bv, epilogue: TileEpilogue(maps: [.relu]), threads: threads)
                #expect(run != nil)
                let y = run ?? []
                let worst = zip(y, ref).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(!y.contains { $0.isNaN } && worst < 1e-4, "x \(c.x) w \(c.w) threads \(threads): off by \(worst)")
                if let one = first { #expect(y == one, "x \(c.x) w \(c.w): \(threads) threads differ from one") } else { first = y }
            }
        }
    }

    /// The product computed and copied out in column chunks (of the kernel's 960-column
    /// blocks, or odd sizes) writes the same bits as in one piece, on 1-3 threads.
    @Test func chunksWriteTheSameBitsAsOnePiece() throws {
        var seed: UInt32 = 29
        for c in Self.cases where c.x.count >= 4 {
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            var whole: [Float]?
            for (threads, chunk) in [(1, 0), (1, nil), (1, 960), (1, 37), (2, nil), (2, 96), (3, 960)] as [(Int, Int?)] {
                let y = Self.runDirect(c, x: xv, w: wv, bias: bv, epilogue: TileEpilogue(maps: [.relu]), threads: threads,
                                       chunk: chunk)
                #expect(y != nil && !(y ?? []).contains { $0.isNaN })
                if let one = whole {
                    #expect(y == one, "x \(c.x) w \(c.w): threads \(threads) chunk \(String(describing: chunk)) differ")
                } else { whole = y }
            }
        }
    }

    /// The epilogue runs exactly once on every output, whatever the chunks and threads (it runs
    /// once per chunk over the span of each channel's plane the chunk wrote): a sigmoid (which
    /// a second application would change) over the plain result, bit for bit.
    @Test func theEpilogueRunsOnceOnEveryOutput() throws {
        var seed: UInt32 = 31
        let sigmoid = TileEpilogue(maps: [.unary(.sigmoid)])
        for c in Self.cases where c.x.count >= 4 {
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            func run(_ epilogue: TileEpilogue?, threads: Int, chunk: Int?) -> [Float]? {
                Self.runDirect(c, x: xv, w: wv, bias: bv, epilogue: epilogue, threads: threads, chunk: chunk)
            }
            guard var want = run(nil, threads: 1, chunk: 0) else {
                Issue.record("x \(c.x) w \(c.w): not run")
                continue
            }
            want.withUnsafeMutableBufferPointer { p in
                if let b = p.baseAddress { sigmoid.apply(b, p.count) }
            }
            for (threads, chunk) in [(1, 0), (1, nil), (1, 37), (1, 5), (2, 96), (3, 17)] as [(Int, Int?)] {
                let y = run(sigmoid, threads: threads, chunk: chunk)
                #expect(y == want, "x \(c.x) w \(c.w): threads \(threads) chunk \(String(describing: chunk))")
            }
        }
    }

    /// `ConvDirect.run` on case `c` (input `xv`, weights `wv`, bias `bv`) at the CPU's kernel level,
    /// over memory holding NaNs: the output, or nil when it did not take the geometry.
    static func runDirect(_ c: Case, x xv: [Float], w wv: [Float], bias bv: [Float], epilogue: TileEpilogue?,
                          threads: Int, chunk: Int? = nil, rows: Bool = ConvDirect.storesRows) -> [Float]? {
        let geom = ConvPackedTests.geometry(c)
        let inSp = Array(c.x[2...])
        let shape = ConvPacked.Shape(n: c.x[0], c: c.x[1], m: c.w[0], group: c.group, inSp: inSp,
                                     inStrides: contiguousStrides(inSp), inSize: inSp.reduce(1, *), outSp: geom.output,
                                     outSize: geom.output.reduce(1, *), kSize: geom.kernel.reduce(1, *), geom: geom)
        var y = [Float](repeating: .nan, count: c.x[0] * c.w[0] * shape.outSize)
        let ok = xv.withUnsafeBufferPointer { px in
            wv.withUnsafeBufferPointer { pw in
                bv.withUnsafeBufferPointer { pb in
                    y.withUnsafeMutableBufferPointer { py in
                        guard let x = px.baseAddress, let w = pw.baseAddress, let out = py.baseAddress else { return false }
                        return ConvDirect.run(x: x, weights: .float(w), bias: pb.baseAddress, shape: shape, y: out,
                                              epilogue: epilogue, level: PackedMatrix.level, threads: threads, chunk: chunk,
                                              rows: rows)
                    }
                }
            }
        }
        return ok ? y : nil
    }

    /// 2-D products of one depth block (a stem's 3 input channels) stored by the kernel straight
    /// into the output planes (`convDirectProductRows`) write every output with the bits of the
    /// product copied out of its row-major result: rows narrower than a vector (a vector then
    /// spans up to 4 output rows and their dropped columns), wide rows, strides, groups, a
    /// batch, chunks that start mid-row, 1-3 threads, with an epilogue. Both ways leave no
    /// output unwritten (the outputs start as NaN).
    @Test func kernelStoresIntoThePlanesWithTheCopysBits() throws {
        var seed: UInt32 = 37
        let cases = [
            Case(x: [1, 3, 40, 37], w: [21, 3, 3, 3], s: [2, 2], d: [1, 1], p: [1, 1, 1, 1]),   // a stem, 3 × 3 / 2
            Case(x: [1, 3, 30, 31], w: [9, 3, 7, 7], s: [2, 2], d: [1, 1], p: [3, 3, 3, 3]),    // k = 147, 7 × 7 / 2
            Case(x: [2, 4, 9, 5], w: [10, 2, 3, 3], group: 2, s: [1, 1], d: [1, 1], p: [1, 0, 1, 2]), // wq 7, wo 5
            Case(x: [1, 2, 6, 3], w: [13, 2, 2, 2], s: [1, 1], d: [1, 1], p: [0, 1, 0, 0]),     // wq 4: 4 rows per vector
            Case(x: [1, 5, 8, 70], w: [17, 5, 3, 3], s: [1, 1], d: [2, 2], p: [2, 2, 2, 2]),    // wide rows, dilated
            Case(x: [1, 8, 12, 12], w: [8, 8, 3, 3], s: [1, 1], d: [1, 1], p: [1, 1, 1, 1]),    // 156 columns: tails
        ]
        for c in cases {
            let (xv, wv) = ConvPackedTests.operands(c, &seed)
            let bv = ConvPackedTests.random(c.w[0], &seed)
            for (threads, chunk) in [(1, nil), (1, 37), (1, 5), (2, nil), (2, 96), (3, 17)] as [(Int, Int?)] {
                for epilogue in [nil, TileEpilogue(maps: [.relu])] {
                    let copied = Self.runDirect(c, x: xv, w: wv, bias: bv, epilogue: epilogue, threads: threads, chunk: chunk,
                                                rows: false)
                    let stored = Self.runDirect(c, x: xv, w: wv, bias: bv, epilogue: epilogue, threads: threads, chunk: chunk,
                                                rows: true)
                    let a = try #require(copied), b = try #require(stored)
                    #expect(!a.contains { $0.isNaN } && !b.contains { $0.isNaN }, "x \(c.x) w \(c.w): an output left unwritten")
                    #expect(a.map(\.bitPattern) == b.map(\.bitPattern),
                            "x \(c.x) w \(c.w) threads \(threads) chunk \(String(describing: chunk)) epilogue \(epilogue != nil)")
                }
            }
        }
        // The kernel takes these products at AVX-512 (one depth block, not the 49-64 column tile).
        if PackedMatrix.level >= 2 {
            #expect(convDirectRowsAvailable(level: 2, k: 27, j0: 0, j1: 12321))
            #expect(convDirectRowsAvailable(level: 2, k: 256, j0: 0, j1: 100))
            #expect(!convDirectRowsAvailable(level: 2, k: 257, j0: 0, j1: 100))
            #expect(!convDirectRowsAvailable(level: 2, k: 27, j0: 0, j1: 63))
        }
        #expect(!convDirectRowsAvailable(level: 1, k: 27, j0: 0, j1: 12321))
    }

    /// `ConvDirect.evenness`: the share of the threads' time spent working when the largest
    /// part sets the pace.
    @Test func evennessOfTheThreadSplit() {
        #expect(ConvDirect.evenness(384, 2, block: 8) == 1)
        #expect(ConvDirect.evenness(306, 2, block: 48) == 306.0 / 384.0)   // parts of 192 and 114
        #expect(ConvDirect.evenness(8, 2, block: 8) == 0.5)               // one part: one thread idle
        #expect(ConvDirect.evenness(12880, 2, block: 48) == 12880.0 / 12960.0)
        #expect(ConvDirect.evenness(0, 2, block: 8) == 0)
    }

    /// `ConvDirect.part`, the thread split shared by ConvDirect and ConvPointwise: the parts
    /// cover the product exactly, in order, each starting on a whole block; a single part is the
    /// whole product; column parts of 32 are the `ceil(tiles / parts)` tiles ConvPointwise cut.
    @Test func partsCoverTheProductOnBlockBoundaries() {
        for rows in [1, 5, 12, 13, 40, 97] {
            for cols in [1, 31, 32, 33, 49, 100, 3136] {
                for parts in 1...5 {
                    for (byColumns, block) in [(true, 32), (true, 48), (false, 12), (false, 8)] {
                        var nextRow = 0, nextCol = 0
                        for p in 0..<parts {
                            let (i0, i1, j0, j1) = ConvDirect.part(p, of: parts, rows: rows, cols: cols, byColumns: byColumns,
                                                                   rowBlock: block, columnBlock: block)
                            if parts == 1 { #expect(i0 == 0 && i1 == rows && j0 == 0 && j1 == cols) }
                            if byColumns {
                                #expect(i0 == 0 && i1 == rows && j0 == nextCol && j1 >= j0 && (j0 == cols || j0 % block == 0))
                                nextCol = j1
                                if parts > 1 && block == 32 && j0 < cols {
                                    let tiles = (cols + 31) / 32
                                    #expect(j1 == min(cols, j0 + (tiles + parts - 1) / parts * 32))
                                }
                            } else {
                                #expect(j0 == 0 && j1 == cols && i0 == nextRow && i1 >= i0 && (i0 == rows || i0 % block == 0))
                                nextRow = i1
                            }
                        }
                        #expect(byColumns ? nextCol == cols : nextRow == rows, "rows \(rows) cols \(cols) parts \(parts)")
                    }
                }
            }
        }
    }
}
