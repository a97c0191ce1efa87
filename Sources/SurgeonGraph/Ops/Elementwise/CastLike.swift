import SurgeonTensor

/// CastLike: casts input 0 to the element type of input 1 (Cast semantics, including
/// `saturate` and `round_mode`).
enum CastLike {
    static func register(_ r: inout OpRegistry) {
        r.register("CastLike", since: 15) { ctx in
            let x = try ctx.tensor(0), like = try ctx.tensor(1)
            let (saturate, rounding) = try Cast.narrowFloatOptions(ctx)
            return [.tensor(try x.cast(to: like.dtype, saturate: saturate, e8m0Rounding: rounding))]
        }
    }
}
