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
        // A bad value after good ones (the output is built position by position) still gives nil.
        let lateBad = try Tensor(shape: [1, 1, 3, 2], scalars: [Float(0), 0, 0.5, 0.5, 0, .infinity])
        #expect(try GridSampleFloat.sample(x, lateBad, mode: "linear", padding: "zeros", align: false) == nil)
        #expect(try GridSampleFloat.sample(x, grid, mode: "area", padding: "zeros", align: false) == nil)
    }

    /// Every tap of a cubic position near a corner but the in-range ones is skipped under zeros
    /// padding: a NaN or infinite pixel outside the taps never reaches the sum, and the one
    /// live tap row and column give exactly the plain kernel's value.
    @Test func cubicAtTheCornerReadsOnlyLiveTaps() throws {
        var v = [Float](repeating: .nan, count: 25)
        for r in 0..<2 { for c in 0..<2 { v[r * 5 + c] = Float(1 + r * 2 + c) } }
        let x = try Tensor(shape: [1, 1, 5, 5], scalars: v)
        // align_corners: grid -1 is pixel 0 exactly; cubic taps -1, 0, 1, 2 (weights 0, 1, 0, 0).
        let grid = try Tensor(shape: [1, 1, 1, 2], scalars: [Float(-1), -1])
        let fast = try GridSampleFloat.sample(x, grid, mode: "cubic", padding: "zeros", align: true)
        let plain = try GridSample.plainRun(x, grid, mode: "cubic", padding: "zeros", align: true, ctx: nil)
        #expect(try plain.scalars(of: Float.self).first?.isNaN == true)  // weight 0 x NaN pixel (1, 2)
        #expect(try fast?.scalars(of: Float.self).first?.isNaN == true)
        let x2 = try Tensor(shape: [1, 1, 2, 2], scalars: [Float(1), 2, 3, 4])
        let a = try GridSampleFloat.sample(x2, grid, mode: "cubic", padding: "zeros", align: true)
        let b = try GridSample.plainRun(x2, grid, mode: "cubic", padding: "zeros", align: true, ctx: nil)
        #expect(try a?.scalars(of: Float.self) == b.scalars(of: Float.self))
    }
}
