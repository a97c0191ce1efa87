import SurgeonTensor

/// HardSwish: `x * max(0, min(1, alpha * x + 0.5))` with alpha = 1/6 rounded to the type, as
/// the spec writes it (a product, not a division by 6: vdivps was most of the epilogue's time
/// in mobilenet_v3). float32 through `HardSwishF` (vectorised, parallel; the same expression,
/// so the same bits as the general kernel).
enum HardSwish {
    static func register(_ r: inout OpRegistry) {
        r.register("HardSwish", since: 14) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "HardSwish", HardSwishF.self, { $0 * Swift.max(0, Swift.min(1, $0 * (1.0 / 6.0) + 0.5)) }))]
        }
    }
}

enum HardSwishF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { x * Swift.max(0, Swift.min(1, x * (1 / 6 as Float) + 0.5)) }
    /// The C kernel (16 lanes with AVX-512F) computes the same expression: the same bits.
    @inline(__always) static var vector: VectorMath.Function? { .hardSwish }
}
