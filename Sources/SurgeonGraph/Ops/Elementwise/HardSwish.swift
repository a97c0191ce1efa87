import SurgeonTensor

/// HardSwish: `x * max(0, min(1, x / 6 + 0.5))`. float32 through `HardSwishF` (vectorised,
/// parallel; the same expression, so the same bits as the general kernel).
enum HardSwish {
    static func register(_ r: inout OpRegistry) {
        r.register("HardSwish", since: 14) { ctx in
            [.tensor(try unaryFloatFast(ctx.tensor(0), "HardSwish", HardSwishF.self, { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }))]
        }
    }
}

enum HardSwishF: FloatUnaryKernel {
    @inline(__always) static func apply(_ x: Float) -> Float { x * Swift.max(0, Swift.min(1, x / 6 + 0.5)) }
}
