@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// Conv with float16 / bfloat16 weights widened a block of rows at a time (HalfWeightRows)
/// against the same convolution on the weights' float32 copy.
@Suite struct ConvHalfWeightsTests {
    struct Case { var x: [Int]; var w: [Int]; var group: Int; var s: [Int]; var p: [Int] }
    static let cases = [
        Case(x: [2, 6, 9, 8], w: [40, 3, 3, 3], group: 2, s: [1, 1], p: [1, 1, 1, 1]),   // im2col, groups, batch
        Case(x: [1, 8, 17, 15], w: [37, 8, 3, 3], group: 1, s: [2, 2], p: [1, 0, 2, 1]),  // im2col, stride, odd rows
        Case(x: [2, 24, 5, 7], w: [50, 24, 1, 1], group: 1, s: [1, 1], p: [0, 0, 0, 0]),  // pointwise, 2 items
        Case(x: [1, 12, 6, 6], w: [12, 1, 3, 3], group: 12, s: [1, 1], p: [1, 1, 1, 1]),  // depthwise
        Case(x: [1, 5, 30], w: [33, 5, 4], group: 1, s: [2], p: [1, 2]),                  // 1-D
        Case(x: [1, 64, 40, 40], w: [70, 64, 3, 3], group: 1, s: [1, 1], p: [1, 1, 1, 1]), // several tiles
    ]

    static func geometry(_ c: Case) -> SpatialGeometry {
        let r = c.x.count - 2
        let kernel = Array(c.w[2...])
        let out = (0..<r).map { i in (c.x[i + 2] + c.p[i] + c.p[i + r] - kernel[i]) / c.s[i] + 1 }
        return SpatialGeometry(kernel: kernel, strides: c.s, dilations: [Int](repeating: 1, count: r),
                               padBegin: Array(c.p[..<r]), padEnd: Array(c.p[r...]), output: out)
    }

    /// A case's geometry, input, bias and output size, and its weights as float16 and as
    /// bfloat16 (each with its exact float32 widening), drawn from `seed`.
    static func operands(_ c: Case, seed: inout UInt32) throws
        -> (SpatialGeometry, [Float], [Float], Int, [(DType, Tensor, [Float])]) {
        func rnd() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) - 0.5 }
        let geom = Self.geometry(c)
        let xv = (0..<c.x.reduce(1, *)).map { _ in rnd() }
        let bias = (0..<c.w[0]).map { _ in rnd() }
        let outCount = c.x[0] * c.w[0] * geom.output.reduce(1, *)
        var weights: [(DType, Tensor, [Float])] = []
        for half in [DType.float16, .bfloat16] {
            let w = try Tensor(shape: c.w, scalars: (0..<c.w.reduce(1, *)).map { _ in rnd() }).cast(to: half)
            weights.append((half, w, try w.cast(to: .float32).scalars(of: Float.self)))
        }
        return (geom, xv, bias, outCount, weights)
    }

    /// Every shape, several block sizes (one column per block, a few columns, whole rows), float16 and
    /// bfloat16 (on the default kernel threads): the widened products equal the float32 ones.
    @Test func blocksOfWidenedRowsMatchTheFloat32Weights() throws {
        var seed: UInt32 = 11
        for c in Self.cases {
            let (geom, xv, bias, outCount, weights) = try Self.operands(c, seed: &seed)
            for (half, w, wide) in weights {
                let expected = try Conv.convFast(x: xv, xShape: c.x, w: wide, wShape: c.w, bias: bias, geom: geom, group: c.group)
                for blockValues in [1, 500, 1 << 18] {
                    var y = [Float](repeating: .nan, count: outCount)
                    try xv.withUnsafeBufferPointer { px in
                        try y.withUnsafeMutableBufferPointer { py in
                            let bits = w.rawPointer.assumingMemoryBound(to: UInt16.self)
                            let rows = HalfWeightRows(bits: bits, bfloat: half == .bfloat16, blockValues: blockValues)
                            guard let xb = px.baseAddress, let yb = py.baseAddress else { return }
                            // The weight pointer is only passed on; it must not be read.
                            try Conv.convCore(x: xb, xShape: c.x, w: UnsafeRawPointer(bits).assumingMemoryBound(to: Float.self),
                                              wShape: c.w, bias: bias, geom: geom, group: c.group, y: yb,
                                              halfWeights: rows)
                        }
                    }
                    let close = zip(y, expected).allSatisfy { abs($0 - $1) <= 2e-5 * max(1, abs($1)) }
                    #expect(close, "\(c.w) \(half) block \(blockValues)")
                }
            }
        }
    }

    /// The 2-D convolutions that ConvDirect runs (3 × 3, strided, grouped, batched; 1 and 2
    /// kernel threads) read the half weights themselves, widened tile by tile in the kernel:
    /// bit for bit what convCore computes from their float32 copy, and never a float32 copy
    /// of the whole weights in between (ConvDirect.Weights.half).
    @Test func directConvolutionsGiveTheFloat32CopysBits() throws {
        var seed: UInt32 = 5
        let direct = [Self.cases[0], Self.cases[1], Self.cases[5],
                      Case(x: [1, 16, 7, 7], w: [40, 16, 3, 3], group: 1, s: [1, 1], p: [1, 1, 1, 1])]  // 7 × 7: 6 × 64 tile
        for c in direct {
            let (geom, xv, bias, outCount, weights) = try Self.operands(c, seed: &seed)
            for (half, w, wide) in weights {
                for threads in [1, 2] {
                    var want = [Float](repeating: .nan, count: outCount)
                    var got = [Float](repeating: .nan, count: outCount)
                    let saved = kernelThreads
                    kernelThreads = threads
                    defer { kernelThreads = saved }
                    do {
                        try xv.withUnsafeBufferPointer { px in
                            let xb = try #require(px.baseAddress)
                            try wide.withUnsafeBufferPointer { pw in
                                try want.withUnsafeMutableBufferPointer { py in
                                    try Conv.convCore(x: xb, xShape: c.x, w: try #require(pw.baseAddress), wShape: c.w, bias: bias,
                                                      geom: geom, group: c.group, y: try #require(py.baseAddress))
                                }
                            }
                            try got.withUnsafeMutableBufferPointer { py in
                                let bits = w.rawPointer.assumingMemoryBound(to: UInt16.self)
                                let rows = HalfWeightRows(bits: bits, bfloat: half == .bfloat16)
                                try Conv.convCore(x: xb, xShape: c.x, w: UnsafeRawPointer(bits).assumingMemoryBound(to: Float.self),
                                                  wShape: c.w, bias: bias, geom: geom, group: c.group,
                                                  y: try #require(py.baseAddress), halfWeights: rows)
                            }
                        }
                    }
                    #expect(!got.contains { $0.isNaN })
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(c.w) \(half) threads \(threads)")
                }
            }
        }
    }

    @Test func blocksSplitTheRowsLength() throws {
        let none: [UInt16] = [0]
        try none.withUnsafeBufferPointer { buffer in
            let rows = HalfWeightRows(bits: try #require(buffer.baseAddress), bfloat: false, blockValues: 1 << 18)
            #expect(rows.blockColumns(rows: 512, rowLength: 4608) == 512)
            #expect(rows.blockColumns(rows: 64, rowLength: 576) == 576)
            #expect(rows.blockColumns(rows: 100, rowLength: 4608) == 2608)
            #expect(rows.blockColumns(rows: 5000, rowLength: 4608) == 52)
            #expect(rows.blockColumns(rows: 1 << 20, rowLength: 4608) == 1)
        }
    }
}
