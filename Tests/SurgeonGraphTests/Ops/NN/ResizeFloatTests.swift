@testable import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ResizeFloatTests {
    struct Case {
        var shape: [Int]
        var out: [Int]
        var mode = "linear"
        var coord = "half_pixel"
        var nearest = "round_prefer_floor"
        var antialias = false
        var exclude = false
        var roi: [Double]? = nil
        var axes: [Int]? = nil
    }

    static func random(_ shape: [Int], seed: UInt32) throws -> Tensor {
        var s = seed
        let n = shape.reduce(1, *)
        let v: [Float] = (0..<n).map { _ in s = s &* 1664525 &+ 1013904223; return Float(s >> 8) / Float(1 << 24) * 4 - 2 }
        return try Tensor(shape: shape, scalars: v)
    }

    /// The float32 kernel against the plain Double kernel it replaces, over modes, coordinate
    /// transformations, up- and downscaling, antialias, exclude_outside, roi extrapolation.
    @Test func fastPathMatchesPlainResize() throws {
        var cases: [Case] = [
            Case(shape: [1, 21, 28, 28], out: [1, 21, 224, 224]),
            Case(shape: [2, 3, 5, 7], out: [2, 3, 11, 3], coord: "align_corners"),
            Case(shape: [1, 2, 9, 6], out: [1, 2, 4, 13], coord: "asymmetric"),
            Case(shape: [1, 2, 1, 6], out: [1, 2, 3, 12], coord: "pytorch_half_pixel"),
            Case(shape: [1, 2, 8, 6], out: [1, 2, 5, 9], coord: "half_pixel_symmetric"),
            Case(shape: [1, 3, 6, 8], out: [1, 3, 13, 17], mode: "cubic"),
            Case(shape: [1, 3, 12, 16], out: [1, 3, 5, 7], mode: "cubic", exclude: true),
            Case(shape: [1, 2, 16, 20], out: [1, 2, 5, 7], antialias: true),
            Case(shape: [1, 2, 16, 20], out: [1, 2, 6, 9], mode: "cubic", antialias: true),
            Case(shape: [3, 7, 9], out: [3, 14, 5]),  // rank 3: the last two axes
            Case(shape: [7, 9], out: [3, 20], mode: "cubic"),  // rank 2
            Case(shape: [1, 2, 2, 5, 6], out: [1, 2, 2, 10, 12]),  // rank 5, leading axes unchanged
            Case(shape: [1, 2, 5, 6], out: [1, 2, 5, 12]),  // H unchanged
            Case(shape: [2, 2, 5, 6], out: [4, 2, 10, 12]),  // a leading axis resized: the plain kernel
            Case(shape: [1, 2, 6, 8], out: [1, 2, 9, 5], coord: "tf_crop_and_resize",
                 roi: [0, 0, 0.2, -0.3, 1, 1, 1.4, 0.9]),
            Case(shape: [1, 2, 6, 8], out: [1, 2, 9, 5], coord: "tf_crop_and_resize",
                 roi: [0, 0, -0.2, 0.1, 1, 1, 0.7, 1.3], axes: [0, 1, 3, 2]),
        ]
        for nm in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] {
            cases.append(Case(shape: [1, 2, 7, 5], out: [1, 2, 16, 11], mode: "nearest", coord: "asymmetric", nearest: nm))
            cases.append(Case(shape: [1, 2, 16, 11], out: [1, 2, 7, 5], mode: "nearest", nearest: nm))
        }
        for (n, c) in cases.enumerated() {
            let x = try Self.random(c.shape, seed: UInt32(n + 3))
            var cfg = Resize.Config()
            cfg.mode = c.mode
            cfg.coordMode = c.coord
            cfg.nearestMode = c.nearest
            cfg.antialias = c.antialias
            cfg.excludeOutside = c.exclude
            cfg.extrapolation = 7.5
            let scales = zip(c.out, c.shape).map { Double($0) / Double($1) }
            let axes = c.axes ?? Array(0..<c.shape.count)
            let fast = try Resize.resize(x, scales: scales, outSize: c.out, roi: c.roi, axes: axes, cfg: cfg, ctx: nil)
            let plain = try Resize.plainResize(x, scales: scales, outSize: c.out, roi: c.roi, axes: axes, cfg: cfg, ctx: nil)
            #expect(fast.shape == c.out)
            let a = try fast.scalars(of: Float.self), b = try plain.scalars(of: Float.self)
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 2e-6, "case \(n) \(c.mode) \(c.coord): max error \(worst)")
        }
    }

    /// The fast kernel takes the float32 cases, and leaves the rest to the plain kernel.
    @Test func appliesToFloatLastTwoAxesOnly() throws {
        var cfg = Resize.Config()
        cfg.mode = "linear"
        let x = try Self.random([1, 2, 4, 4], seed: 5)
        #expect(try ResizeFloat.resize(x, scales: [1, 1, 2, 2], outSize: [1, 2, 8, 8], roi: nil, axes: [0, 1, 2, 3], cfg: cfg) != nil)
        #expect(try ResizeFloat.resize(x, scales: [1, 2, 2, 2], outSize: [1, 4, 8, 8], roi: nil, axes: [0, 1, 2, 3], cfg: cfg) == nil)
        let d = try Tensor(shape: [1, 1, 2, 2], scalars: [1.0, 2, 3, 4])
        #expect(try ResizeFloat.resize(d, scales: [1, 1, 2, 2], outSize: [1, 1, 4, 4], roi: nil, axes: [0, 1, 2, 3], cfg: cfg) == nil)
    }

    /// A NaN the taps give zero weight stays out of the result, as in the plain kernel.
    @Test func nanUnderZeroWeightStaysOut() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [Float(1), .nan, 3, .nan])
        var cfg = Resize.Config()
        cfg.mode = "nearest"
        cfg.coordMode = "asymmetric"
        cfg.nearestMode = "floor"
        // Scale 0.5: output (0, 0) reads input (0, 0) only.
        let y = try Resize.resize(x, scales: [1, 1, 0.5, 0.5], outSize: [1, 1, 1, 1], roi: nil, axes: [0, 1, 2, 3], cfg: cfg, ctx: nil)
        #expect(try y.scalars(of: Float.self) == [1])
    }
}
