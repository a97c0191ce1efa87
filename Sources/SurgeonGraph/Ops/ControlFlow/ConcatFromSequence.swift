import SurgeonTensor

/// ConcatFromSequence: concatenates the sequence's tensors along `axis`, or stacks them
/// along a new axis when `new_axis` is 1 (then `axis` may be rank, i.e. the new last axis).
enum ConcatFromSequence {
    static func register(_ r: inout OpRegistry) {
        r.register("ConcatFromSequence", since: 11) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            let seq = try v.asSequence()
            guard let first = seq.first else { throw ctx.error("cannot concatenate an empty sequence") }
            let newAxis = try ctx.int("new_axis", 0) != 0
            guard let axisAttr = try ctx.intIfPresent("axis") else { throw ctx.error("needs the 'axis' attribute") }
            if newAxis {
                let axis = try normalizeAxis(axisAttr, rank: first.rank + 1, op: "ConcatFromSequence")
                let lifted = try seq.map { t -> Tensor in
                    var s = t.shape
                    s.insert(1, at: min(axis, s.count))
                    return try t.reshaped(s)
                }
                return [.tensor(try Tensor.concat(lifted, axis: axis))]
            }
            let axis = try normalizeAxis(axisAttr, rank: first.rank, op: "ConcatFromSequence")
            return [.tensor(try Tensor.concat(seq, axis: axis))]
        }
    }
}
