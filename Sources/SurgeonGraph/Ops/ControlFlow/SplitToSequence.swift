import SurgeonTensor

/// SplitToSequence: splits a tensor along `axis` into a sequence. Without `split`, into
/// pieces of 1 (axis dropped when keepdims=0); a scalar `split` gives pieces of that size
/// (the last may be shorter); a 1-D `split` gives the listed sizes.
enum SplitToSequence {
    static func register(_ r: inout OpRegistry) {
        r.register("SplitToSequence", since: 11) { ctx in
            let x = try ctx.tensor(0)
            guard x.rank >= 1 else { throw ctx.error("cannot split a scalar") }
            let axis = try normalizeAxis(ctx.int("axis", 0), rank: x.rank, op: "SplitToSequence")
            let dim = x.shape[axis]
            guard let split = try ctx.optionalTensor(1) else {
                let keep = try ctx.int("keepdims", 1) != 0
                return [.sequence(try (0..<dim).map { i in
                    keep ? try cfNarrow(x, axis: axis, start: i, length: 1) : try cfSelect(x, axis: axis, index: i)
                })]
            }
            var sizes: [Int]
            if split.rank == 0 {
                let size = try cfScalarInt(split, "split")
                guard size > 0 else { throw ctx.error("split size \(size) must be positive") }
                sizes = Array(repeating: size, count: dim / size)
                if dim % size != 0 { sizes.append(dim % size) }
            } else {
                guard split.rank == 1 else { throw ctx.error("split must be a scalar or 1-D") }
                sizes = split.intArray()
                guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == dim else {
                    throw ctx.error("split sizes \(sizes) do not add up to the axis length \(dim)")
                }
            }
            var start = 0
            var parts: [Tensor] = []
            for s in sizes {
                parts.append(try cfNarrow(x, axis: axis, start: start, length: s))
                start += s
            }
            return [.sequence(parts)]
        }
    }
}
