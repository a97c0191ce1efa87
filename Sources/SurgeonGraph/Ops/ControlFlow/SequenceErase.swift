import SurgeonTensor

/// SequenceErase: the sequence without the element at `position` (default: the last).
enum SequenceErase {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceErase", since: 11) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            var seq = try v.asSequence()
            guard !seq.isEmpty else { throw ctx.error("cannot erase from an empty sequence") }
            let p = try cfSequencePosition(ctx.optionalTensor(1), count: seq.count, allowEnd: false, default: seq.count - 1)
            seq.remove(at: p)
            return [.sequence(seq)]
        }
    }
}
