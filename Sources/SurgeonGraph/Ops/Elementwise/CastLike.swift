import SurgeonTensor

/// CastLike: casts input 0 to the element type of input 1 (Cast semantics).
enum CastLike {
    static func register(_ r: inout OpRegistry) {
        r.register("CastLike", since: 15) { ctx in
            let x = try ctx.tensor(0), like = try ctx.tensor(1)
            return [.tensor(try x.cast(to: like.dtype))]
        }
    }
}
