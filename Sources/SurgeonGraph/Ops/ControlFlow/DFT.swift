import SurgeonTensor

/// DFT: discrete Fourier transform along one axis of a real ([..., 1]) or complex ([..., 2])
/// signal. `onesided` keeps bins 0...n/2 (forward) or reads a one-sided spectrum and returns
/// a real signal (inverse); `inverse` scales by 1/n; `dft_length` cuts or zero-pads.
/// Opset 17 takes the axis as an attribute (default 1), opset 20 as an input (default -2).
enum DFT {
    static func register(_ r: inout OpRegistry) {
        r.register("DFT", since: 17) { ctx in
            try run(ctx, axis: try ctx.int("axis", 1))
        }
        r.register("DFT", since: 20) { ctx in
            try run(ctx, axis: try ctx.optionalTensor(2).map { try cfScalarInt($0, "axis") } ?? -2)
        }
    }

    static func run(_ ctx: OpContext, axis rawAxis: Int) throws -> [Value] {
        let x = try ctx.tensor(0)
        guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point input, got \(x.dtype)") }
        guard x.rank >= 2 else { throw ctx.error("input \(x.typeDescription) needs a signal axis and a real/complex axis") }
        let axis = try normalizeAxis(rawAxis, rank: x.rank, op: "DFT")
        guard axis < x.rank - 1 else { throw ctx.error("axis \(rawAxis) cannot be the real/complex axis") }
        let inverse = try ctx.int("inverse", 0) != 0
        let onesided = try ctx.int("onesided", 0) != 0
        let lenIn = x.shape[axis]
        var n = inverse && onesided ? 2 * (lenIn - 1) : lenIn
        if let t = try ctx.optionalTensor(1) { n = try cfScalarInt(t, "dft_length") }
        guard n >= 1 else { throw ctx.error("dft_length \(n) must be positive") }
        let scale = inverse ? 1 / Double(n) : 1
        if inverse && onesided {
            return [.tensor(try cfDFT(x, axis: axis, length: n, inverse: true, hermitianInput: true, keep: n, scale: scale))]
        }
        let keep = onesided ? n / 2 + 1 : n
        return [.tensor(try cfDFT(x, axis: axis, length: n, inverse: inverse, hermitianInput: false, keep: keep, scale: scale))]
    }
}
