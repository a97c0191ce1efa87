@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

/// `groupNormalize` (InstanceNormalization, GroupNormalization) normalises and applies the
/// affine map in one pass: bit for bit the two passes it replaced (`normalizeRows`, then
/// `y * a + b` per channel), for per-channel and per-group affine maps, float32 and float64,
/// odd sizes, a batch, on 1 and 2 kernel threads.
@Suite struct GroupNormalizeTests {
    static func twoPasses<T: KernelFloat>(_ x: [T], n nb: Int, c: Int, spatial: Int, groups: Int, scale: [T], bias: [T],
                                          perGroupAffine: Bool, epsilon: T) -> [T] {
        var out = [T](repeating: 0, count: x.count)
        let cpg = c / groups
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                _ = normalizeRows(src, dst, rows: nb * groups, n: cpg * spatial, epsilon: epsilon, centered: true,
                                  scale: nil, bias: nil)
                for s in 0..<nb {
                    for ch in 0..<c {
                        let k = perGroupAffine ? ch / cpg : ch
                        let base = (s * c + ch) * spatial
                        for i in 0..<spatial { dst[base + i] = dst[base + i] * scale[k] + bias[k] }
                    }
                }
            }
        }
        return out
    }

    @Test func onePassGivesTheTwoPassesBits() throws {
        var seed: UInt32 = 5
        func rnd() -> Double { seed = seed &* 1664525 &+ 1013904223; return Double(seed >> 8) / Double(1 << 24) * 6 - 2 }
        let saved = kernelThreads
        defer { kernelThreads = saved }
        for (nb, c, sp, groups) in [(1, 4, 4096, 4), (2, 6, 77, 3), (1, 8, 1, 8), (3, 5, 33, 1), (1, 12, 100, 4)] {
            let shape = [nb, c, sp]
            let xv = (0..<(nb * c * sp)).map { _ in rnd() }
            for perGroupAffine in [false, true] {
                let affine = perGroupAffine ? groups : c
                let sv = (0..<affine).map { _ in rnd() }, bv = (0..<affine).map { _ in rnd() }
                for threads in [1, 2] {
                    kernelThreads = threads
                    let x32 = try Tensor(doubles: xv, shape: shape, dtype: .float32)
                    let y32 = try groupNormalize(x32, groups: groups, scale: try Tensor(doubles: sv, shape: [affine], dtype: .float32),
                                                 bias: try Tensor(doubles: bv, shape: [affine], dtype: .float32),
                                                 perGroupAffine: perGroupAffine, epsilon: 1e-5, op: "test")
                    let want32 = Self.twoPasses(xv.map { Float($0) }, n: nb, c: c, spatial: sp, groups: groups,
                                                scale: sv.map { Float($0) }, bias: bv.map { Float($0) },
                                                perGroupAffine: perGroupAffine, epsilon: 1e-5)
                    #expect(try y32.scalars(of: Float.self).map(\.bitPattern) == want32.map(\.bitPattern),
                            "float32 \(shape) groups \(groups) perGroup \(perGroupAffine) threads \(threads)")
                    let x64 = try Tensor(doubles: xv, shape: shape, dtype: .float64)
                    let y64 = try groupNormalize(x64, groups: groups, scale: try Tensor(doubles: sv, shape: [affine], dtype: .float64),
                                                 bias: try Tensor(doubles: bv, shape: [affine], dtype: .float64),
                                                 perGroupAffine: perGroupAffine, epsilon: 1e-5, op: "test")
                    let want64 = Self.twoPasses(xv, n: nb, c: c, spatial: sp, groups: groups, scale: sv, bias: bv,
                                                perGroupAffine: perGroupAffine, epsilon: Double(Float(1e-5)))
                    #expect(try y64.doubleArray().map(\.bitPattern) == want64.map(\.bitPattern),
                            "float64 \(shape) groups \(groups) perGroup \(perGroupAffine) threads \(threads)")
                }
            }
        }
    }
}
