@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GridSampleFloatTests {
    static func random(_ shape: [Int], seed: UInt32, scale: Float) throws -> Tensor {
        var s = seed
        let n = shape.reduce(1, *)
        let v: [Float] = (0..<n).map { _ in s = s &* 1664525 &+ 1013904223; return (Float(s >> 8) / Float(1 << 24) * 2 - 1) * scale }
        return try Tensor(shape: shape, scalars: v)
    }

    /// The float32 2-D kernel against the any-rank Double kernel, for every mode, padding and
    /// align_corners, with grid values past the edges (scale 1.4).
    @Test func fastPathMatchesPlainKernel() throws {
        let x = try Self.random([2, 3, 7, 9], seed: 3, scale: 1)
        let grid = try Self.random([2, 5, 6, 2], seed: 9, scale: 1.4)
        for mode in ["nearest", "linear", "cubic"] {
            for padding in ["zeros", "border", "reflection"] {
                for align in [false, true] {
                    let fast = try GridSampleFloat.sample(x, grid, mode: mode, padding: padding, align: align)
                    let plain = try GridSample.plainRun(x, grid, mode: mode, padding: padding, align: align, ctx: nil)
                    #expect(fast?.shape == [2, 3, 5, 6])
                    let a = try fast?.scalars(of: Float.self) ?? [], b = try plain.scalars(of: Float.self)
                    #expect(a.count == b.count)
                    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
                    #expect(worst <= 2e-6, "\(mode) \(padding) align \(align): max error \(worst)")
                }
            }
        }
    }

    /// A pixel outside the input under zeros padding is skipped, not read: an infinite weight
    /// times a zero pixel would give NaN.
    @Test func zeroPixelsAreSkippedAndNonFloatGoesPlain() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [Float(1), 2, 3, 4])
        let grid = try Tensor(shape: [1, 1, 1, 2], scalars: [Float(-1), -1])
        let y = try GridSampleFloat.sample(x, grid, mode: "linear", padding: "zeros", align: false)
        #expect(try y?.scalars(of: Float.self) == [0.25])
        let xd = try Tensor(shape: [1, 1, 2, 2], scalars: [1.0, 2, 3, 4])
        #expect(try GridSampleFloat.sample(xd, grid, mode: "linear", padding: "zeros", align: false) == nil)
        let bad = try Tensor(shape: [1, 1, 1, 2], scalars: [Float.nan, 0])
        #expect(try GridSampleFloat.sample(x, bad, mode: "linear", padding: "zeros", align: false) == nil)
    }
}
