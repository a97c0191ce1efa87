import SurgeonTensor

/// SequenceAt: the element at `position` (negative counts from the back).
enum SequenceAt {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceAt", since: 11) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            let seq = try v.asSequence()
            let p = try cfSequencePosition(ctx.tensor(1), count: seq.count, allowEnd: false, default: 0)
            return [.tensor(seq[p])]
        }
    }
}
