@testable import SurgeonTensor
import Testing

/// `convDirectProduct` (CPackedGemm's `sp_conv_direct`) against a plain loop at every kernel
/// level this CPU runs, and the register tile it picks (AVX-512: 6 × 64 over 49-64 columns,
/// 8 × 48 and 8 × 32 otherwise, one vector a row for a last ≤ 16 columns; 12 × 32 at AVX2's level 1 is 6 × 16 twice)
/// never changing a bit: a product computed
/// whole equals the same product computed over column ranges so narrow that another tile runs.
@Suite struct ConvDirectGemmTests {
    /// A padded "plane" of `rows` × `wq` per channel, 3 × 3 taps; k = channels × 9.
    struct Case {
        let m: Int, channels: Int, rows: Int, wq: Int
        var k: Int { channels * 9 }
        var columns: Int { rows * wq }
        var offsets: [Int32] {
            (0..<channels).flatMap { ch in (0..<9).map { t in Int32(ch * (rows + 2) * wq + (t / 3) * wq + t % 3) } }
        }
        var srcCount: Int { channels * (rows + 2) * wq + columns + 64 }
    }

    static func product(_ c: Case, a: [Float], src: [Float], bias: [Float]?, level: Int, ranges: [(Int, Int)]) -> [Float] {
        a.withUnsafeBufferPointer { pa in
            guard let a = pa.baseAddress else { return [] }
            return product(c, src: src, bias: bias, ranges: ranges) { s, o, y, j0, j1, b in
                convDirectProduct(m: c.m, k: c.k, a: a, lda: c.k, src: s, offsets: o, c: y, ldc: c.columns, j0: j0, j1: j1,
                                  bias: b, level: level)
            }
        }
    }

    /// A fresh output (NaN) of case `c` with `call(src, offsets, out, j0, j1, bias)` run over each
    /// column range (the float32 or the 16-bit product), expected to return true.
    static func product(_ c: Case, src: [Float], bias: [Float]?, ranges: [(Int, Int)],
                        _ call: (UnsafePointer<Float>, UnsafePointer<Int32>, UnsafeMutablePointer<Float>, Int, Int,
                                 UnsafePointer<Float>?) -> Bool) -> [Float] {
        var out = [Float](repeating: .nan, count: c.m * c.columns)
        let offsets = c.offsets
        src.withUnsafeBufferPointer { ps in
            offsets.withUnsafeBufferPointer { po in
                out.withUnsafeMutableBufferPointer { pc in
                    guard let s = ps.baseAddress, let o = po.baseAddress, let y = pc.baseAddress else { return }
                    for (j0, j1) in ranges {
                        if let bias {
                            bias.withUnsafeBufferPointer { #expect(call(s, o, y, j0, j1, $0.baseAddress)) }
                        } else {
                            #expect(call(s, o, y, j0, j1, nil))
                        }
                    }
                }
            }
        }
        return out
    }

    static let cases = [
        Case(m: 13, channels: 16, rows: 20, wq: 58),    // 1160 columns: past one 960-column block; k < 256
        Case(m: 20, channels: 40, rows: 9, wq: 33),     // k = 360 across the 256-row blocks; m = 8 + 8 + 4
        Case(m: 64, channels: 8, rows: 14, wq: 16),     // 224 columns: 4 wide tiles + one of 32
        Case(m: 17, channels: 30, rows: 7, wq: 9),      // 63 columns: one 6 × 64 tile; m = 6 + 6 + 5
        Case(m: 13, channels: 3, rows: 10, wq: 15),     // 150 columns: 3 wide tiles + a one-vector tail of 6; m = 8 + 5
        Case(m: 16, channels: 12, rows: 14, wq: 14),    // 196 columns (a 14 × 14 map): 4 wide tiles + a one-vector tail of 4
    ]

    @Test func everyLevelMatchesThePlainLoop() throws {
        for (ci, c) in Self.cases.enumerated() {
            let a = PackedGemmTests.random(c.m * c.k, seed: UInt64(ci + 1))
            let src = PackedGemmTests.random(c.srcCount, seed: UInt64(ci + 50))
            let bias = PackedGemmTests.random(c.m, seed: 99)
            let offsets = c.offsets
            for level in 0...PackedMatrix.level {
                let y = Self.product(c, a: a, src: src, bias: bias, level: level, ranges: [(0, c.columns)])
                var worst: Double = 0
                for i in 0..<c.m {
                    for j in 0..<c.columns {
                        var want = Double(bias[i])
                        for p in 0..<c.k { want += Double(a[i * c.k + p]) * Double(src[Int(offsets[p]) + j]) }
                        worst = max(worst, abs(Double(y[i * c.columns + j]) - want))
                    }
                }
                #expect(worst < 1e-4, "m \(c.m) k \(c.k) columns \(c.columns) level \(level): off by \(worst)")
            }
        }
    }

    /// Whole, in halves, and in ranges of 40 columns (8 × 32 tiles only, never 8 × 48):
    /// the same bits at each level, with and without a bias.
    @Test func tileChoiceAndRangesKeepEveryBit() throws {
        for (ci, c) in Self.cases.enumerated() {
            let a = PackedGemmTests.random(c.m * c.k, seed: UInt64(ci + 7))
            let src = PackedGemmTests.random(c.srcCount, seed: UInt64(ci + 70))
            let half = c.columns / 2
            let narrow = stride(from: 0, to: c.columns, by: 40).map { ($0, min(c.columns, $0 + 40)) }
            for level in 0...PackedMatrix.level {
                for bias in [nil, PackedGemmTests.random(c.m, seed: 3)] {
                    let whole = Self.product(c, a: a, src: src, bias: bias, level: level, ranges: [(0, c.columns)])
                    let halves = Self.product(c, a: a, src: src, bias: bias, level: level,
                                              ranges: [(0, half), (half, c.columns)])
                    let pieces = Self.product(c, a: a, src: src, bias: bias, level: level, ranges: narrow)
                    #expect(!whole.contains { $0.isNaN })
                    #expect(halves == whole && pieces == whole, "m \(c.m) columns \(c.columns) level \(level)")
                }
            }
        }
    }

    /// `convDirectProductHalf` over `bits` (16-bit weights) into a fresh output.
    static func productHalf(_ c: Case, bits: [UInt16], bfloat: Bool, src: [Float], bias: [Float]?, level: Int) -> [Float] {
        bits.withUnsafeBufferPointer { pa in
            guard let a = pa.baseAddress else { return [] }
            return product(c, src: src, bias: bias, ranges: [(0, c.columns)]) { s, o, y, j0, j1, b in
                convDirectProductHalf(m: c.m, k: c.k, a: a, lda: c.k, bfloat: bfloat, src: s, offsets: o, c: y,
                                      ldc: c.columns, j0: j0, j1: j1, bias: b, level: level)
            }
        }
    }

    /// float16 and bfloat16 weights, widened tile by tile inside the kernel, give bit for bit
    /// the float32 product of the widened weights at every level (the plain level widens in C
    /// without F16C), with and without a bias, through every tile shape of the cases.
    @Test func halfWeightsGiveTheWidenedWeightsBits() throws {
        for (ci, c) in Self.cases.enumerated() {
            let values = PackedGemmTests.random(c.m * c.k, seed: UInt64(ci + 21))
            let src = PackedGemmTests.random(c.srcCount, seed: UInt64(ci + 31))
            for bfloat in [false, true] {
                let bits: [UInt16] = values.map { v in
                    bfloat ? UInt16(truncatingIfNeeded: v.bitPattern >> 16) : floatBitsToHalfBits(v.bitPattern)
                }
                let wide: [Float] = bits.map { h in
                    Float(bitPattern: bfloat ? UInt32(h) << 16 : halfBitsToFloatBits(h))
                }
                for level in 0...PackedMatrix.level {
                    for bias in [nil, PackedGemmTests.random(c.m, seed: 5)] {
                        let want = Self.product(c, a: wide, src: src, bias: bias, level: level, ranges: [(0, c.columns)])
                        let got = Self.productHalf(c, bits: bits, bfloat: bfloat, src: src, bias: bias, level: level)
                        #expect(!got.contains { $0.isNaN })
                        #expect(got.map(\.bitPattern) == want.map(\.bitPattern),
                                "m \(c.m) columns \(c.columns) level \(level) bfloat \(bfloat)")
                    }
                }
            }
        }
    }

    /// Every float16 bit pattern (zeros, subnormals, infinities, NaNs) and a sweep of bfloat16
    /// ones, as one-tap weights times 1: each output row is its weight widened, as the float32
    /// kernel computes it from the reference widening, at every level.
    @Test func everyHalfPatternWidensExactly() throws {
        let c = Case(m: 4096, channels: 1, rows: 1, wq: 16)
        let src = [Float](repeating: 1, count: c.srcCount)
        for bfloat in [false, true] {
            for chunk in 0..<16 {
                // 16 chunks of 4096 patterns; each row repeats its pattern over the 9 taps times 1,
                // with the other 8 taps' weights 0 (0 × 1 adds +0: -0 becomes +0 in both kernels).
                var bits = [UInt16](repeating: 0, count: c.m * c.k)
                var wide = [Float](repeating: 0, count: c.m * c.k)
                for i in 0..<c.m {
                    let h = UInt16(chunk * 4096 + i)
                    bits[i * c.k] = h
                    wide[i * c.k] = Float(bitPattern: bfloat ? UInt32(h) << 16 : halfBitsToFloatBits(h))
                }
                for level in 0...PackedMatrix.level {
                    let want = Self.product(c, a: wide, src: src, bias: nil, level: level, ranges: [(0, c.columns)])
                    let got = Self.productHalf(c, bits: bits, bfloat: bfloat, src: src, bias: nil, level: level)
                    let same = zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                    #expect(same, "chunk \(chunk) level \(level) bfloat \(bfloat)")
                    if bfloat { break }   // bfloat16 widening is a shift at every level: one level suffices per chunk
                }
            }
        }
    }

    @Test func tilesAreWideExceptOneShortProduct() {
        if PackedMatrix.level >= 2 {
            #expect(convDirectTile(level: 2, columns: 3248) == (8, 48))
            #expect(convDirectTile(level: 2, columns: 224) == (8, 48))
            #expect(convDirectTile(level: 2, columns: 63) == (6, 64))
            #expect(convDirectTile(level: 2, columns: 40) == (8, 48))
            #expect(convDirectTile(level: 2, columns: 70) == (8, 48))
            #expect(convDirectTile(level: 2, columns: 150) == (8, 48))   // 3 × 48 + 32 > 5 × 32, still faster
            #expect(convDirectTile(level: 2, columns: 5183) == (8, 48))
        }
        #expect(convDirectTile(level: 0, columns: 3248) == (4, 32))
        if PackedMatrix.level >= 1 { #expect(convDirectTile(level: 1, columns: 3248) == (6, 32)) }
    }
}
