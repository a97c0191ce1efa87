import SurgeonTensor

/// Split: cuts a tensor along `axis` into parts. Part sizes come from attribute `split` before
/// opset 13 (input 1 in opset 1 too), input 1 from opset 13; otherwise equal parts, one per
/// output, or `num_outputs` parts (opset 18) where the last part may be smaller.
enum Split {
    static func register(_ r: inout OpRegistry) {
        r.register("Split", since: 1) { ctx in
            try run(ctx, sizes: try ctx.ints("split") ?? ctx.optionalInts(1))
        }
        r.register("Split", since: 2) { ctx in try run(ctx, sizes: try ctx.ints("split")) }
        r.register("Split", since: 13) { ctx in try run(ctx, sizes: try ctx.optionalInts(1)) }
    }

    static func run(_ ctx: OpContext, sizes given: [Int]?) throws -> [Value] {
        let x = try ctx.tensor(0)
        guard x.rank >= 1 else { throw ctx.error("cannot split a scalar") }
        let axis = try normalizeAxis(try ctx.int("axis", 0), rank: x.rank, op: "Split")
        let dim = x.shape[axis]
        let outputs = ctx.node.outputs.count
        var sizes: [Int]
        if let given, !given.isEmpty {
            sizes = given
            guard sizes.allSatisfy({ $0 >= 0 && $0 <= dim }), sizes.reduce(0, +) == dim else {
                throw ctx.error("split sizes \(sizes) do not add up to \(dim) along axis \(axis)")
            }
        } else {
            let parts = try ctx.intIfPresent("num_outputs") ?? outputs
            guard parts >= 1 && parts == outputs else { throw ctx.error("cannot split into \(parts) parts for \(outputs) outputs") }
            if ctx.has("num_outputs") {
                let chunk = (dim + parts - 1) / parts
                sizes = (0..<parts).map { k in max(0, min(chunk, dim - k * chunk)) }
            } else {
                guard dim % parts == 0 else { throw ctx.error("cannot split \(dim) into \(parts) equal parts") }
                sizes = Array(repeating: dim / parts, count: parts)
            }
        }
        guard sizes.count == outputs else {
            throw ctx.error("\(sizes.count) parts for \(outputs) outputs")
        }
        return try split(x, axis: axis, sizes: sizes).map { .tensor($0) }
    }

    /// The pieces of `x` along `axis` with the given extents (which must add up to the axis extent).
    static func split(_ x: Tensor, axis: Int, sizes: [Int]) throws -> [Tensor] {
        let st = x.strides
        var start = 0
        return try sizes.map { n in
            var shape = x.shape
            shape[axis] = n
            defer { start += n }
            return try stridedCopy(x, shape: shape, strides: st, offset: start * st[axis])
        }
    }
}
