import Foundation
@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// The C float32 row sum (`VectorMath.sum`, vec_sum.c) at every vector level this CPU runs,
/// against an in-order Double sum of the same values (the plain yardstick): it sums the same
/// exactly converted values in another grouping, so it is within double rounding of it. And the
/// ops that use it (ReduceSum / ReduceMean over trailing axes, GlobalAveragePool) against
/// double references, at level 0 (the Swift loop) and the CPU's level.
@Suite struct ReduceSumFastTests {
    static var levels: [Int] { VectorMath.sumLevel >= 1 ? Array(1...VectorMath.sumLevel) : [] }

    /// Values of mixed sign and magnitude (1e-3 ... 1e3), `count` of them.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var g = TestLCG(seed: seed)
        return (0..<count).map { _ in
            let m = Float(g.next(2_000_001) - 1_000_000) / 1_000_000
            return m * Float(pow(10.0, Double(g.next(7) - 3)))
        }
    }

    @Test func rowSumWithinDoubleRoundingOfInOrderSum() throws {
        for level in Self.levels {
            for n in Array(0...70) + [255, 256, 257, 3136, 12544] {
                let xs = Self.values(n, seed: UInt64(n) &+ 17)
                let reference = xs.reduce(0.0) { $0 + Double($1) }
                let magnitude = xs.reduce(0.0) { $0 + abs(Double($1)) }
                // A huge value past the end: a read beyond n would show in the sum.
                let padded = xs + [1e30]
                let s = try #require(padded.withUnsafeBufferPointer { p in
                    p.baseAddress.flatMap { VectorMath.sum($0, n, level: level) }
                })
                #expect(abs(s - reference) <= Double(n + 1) * 0x1p-52 * magnitude, "level \(level), n \(n): \(s) vs \(reference)")
            }
        }
    }

    @Test func rowSumPropagatesNaNAndInfinities() throws {
        for level in Self.levels {
            for n in [1, 7, 9, 40] {
                for (poison, expectNaN) in [([Float.nan], true), ([Float.infinity], false), ([Float.infinity, -Float.infinity], true)] {
                    var xs = Self.values(n, seed: 5)
                    for (i, p) in poison.enumerated() { xs[(i * 5) % n] = p }
                    if poison.count == 2 && n == 1 { continue }
                    let s = try #require(xs.withUnsafeBufferPointer { p in p.baseAddress.flatMap { VectorMath.sum($0, n, level: level) } })
                    if expectNaN { #expect(s.isNaN, "level \(level) n \(n) \(poison)") } else { #expect(s == .infinity) }
                }
            }
        }
    }

    /// Rows split among two kernel threads give the bits of one thread.
    @Test func rowSumsSplitAmongThreadsGiveTheSameBits() throws {
        let rows = 96, r = 3136
        let xs = Self.values(rows * r, seed: 41)
        let saved = kernelThreads
        defer { kernelThreads = saved }
        var results: [[UInt32]] = []
        for threads in [1, 2] {
            kernelThreads = threads
            var out = [Float](repeating: .nan, count: rows)
            let done = xs.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    floatRowSums(p.baseAddress!, rows: rows, r: r, into: o.baseAddress, count: rows, post: { $0 / Double(r) })
                }
            }
            if VectorMath.sumLevel > 0 { #expect(done) } else { #expect(!done); return }
            for i in 0..<rows {
                let reference = xs[(i * r)..<((i + 1) * r)].reduce(0.0) { $0 + Double($1) } / Double(r)
                #expect(abs(Double(out[i]) - reference) <= abs(reference) * 1e-6 + 1e-9, "row \(i) at \(threads) threads")
            }
            results.append(out.map(\.bitPattern))
        }
        #expect(results[0] == results[1])
    }

    @Test func levelZeroLeavesTheSumToTheCaller() {
        let xs: [Float] = [1, 2, 3]
        #expect(xs.withUnsafeBufferPointer { p in p.baseAddress.flatMap { VectorMath.sum($0, 3, level: 0) } } == nil)
    }

    /// ReduceMean / ReduceSum over the trailing axes and GlobalAveragePool of a float32
    /// [2, 3, 7, 9] tensor: each result within one float ulp of the double mean / sum.
    @Test func opsMatchDoubleReference() throws {
        let shape = [2, 3, 7, 9], plane = 63
        let xs = Self.values(shape.reduce(1, *), seed: 99)
        let x = try f32(shape, xs)
        let mean = try runNode("ReduceMean", [x, try Tensor(ints: [2, 3])])[0]
        let sum = try runNode("ReduceSum", [x, try Tensor(ints: [-1, -2])])[0]
        let pool = try runNode("GlobalAveragePool", [x])[0]
        #expect(mean.shape == [2, 3, 1, 1] && sum.shape == [2, 3, 1, 1] && pool.shape == [2, 3, 1, 1])
        let means = try mean.scalars(of: Float.self), sums = try sum.scalars(of: Float.self)
        let pools = try pool.scalars(of: Float.self)
        for p in 0..<6 {
            let s = xs[p * plane ..< (p + 1) * plane].reduce(0.0) { $0 + Double($1) }
            let m = Float(s / Double(plane))
            #expect(abs(means[p] - m) <= m.ulp && abs(pools[p] - m) <= m.ulp, "plane \(p)")
            #expect(abs(sums[p] - Float(s)) <= Float(s).ulp, "plane \(p)")
        }
    }
}
