import SurgeonTensor

/// SequenceInsert: the sequence with a tensor inserted at `position` (default: the back).
enum SequenceInsert {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceInsert", since: 11) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            var seq = try v.asSequence()
            let t = try ctx.tensor(1)
            if let first = seq.first, first.dtype != t.dtype {
                throw ctx.error("cannot insert \(t.dtype) into a sequence of \(first.dtype)")
            }
            let p = try cfSequencePosition(ctx.optionalTensor(2), count: seq.count, allowEnd: true, default: seq.count)
            seq.insert(t, at: p)
            return [.sequence(seq)]
        }
    }
}
