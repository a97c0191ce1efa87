import SurgeonTensor

/// ReverseSequence: for each batch entry b, reverses the first `sequence_lens[b]` elements along
/// `time_axis` (default 0); `batch_axis` defaults to 1.
enum ReverseSequence {
    static func register(_ r: inout OpRegistry) {
        r.register("ReverseSequence", since: 10) { ctx in
            let x = try ctx.tensor(0)
            let lens = try ctx.requiredInts(1)
            guard x.rank >= 2 else { throw ctx.error("needs rank 2 or more, got \(x.typeDescription)") }
            let batchAxis = try normalizeAxis(try ctx.int("batch_axis", 1), rank: x.rank, op: "ReverseSequence")
            let timeAxis = try normalizeAxis(try ctx.int("time_axis", 0), rank: x.rank, op: "ReverseSequence")
            guard batchAxis != timeAxis else { throw ctx.error("batch_axis and time_axis are the same") }
            let batch = x.shape[batchAxis], time = x.shape[timeAxis]
            guard lens.count == batch else { throw ctx.error("\(lens.count) sequence lengths for a batch of \(batch)") }
            for l in lens where l < 0 || l > time { throw ctx.error("sequence length \(l) outside [0, \(time)]") }
            let st = x.strides
            var idx = [Int](repeating: 0, count: x.count)
            var err = false
            forEachBroadcast(x.shape, [st]) { i, off in
                let b = (off[0] / st[batchAxis]) % batch
                let t = (off[0] / st[timeAxis]) % time
                let l = lens[b]
                if t < l { idx[i] = off[0] + (l - 1 - 2 * t) * st[timeAxis] } else { idx[i] = off[0] }
                if idx[i] < 0 { err = true; idx[i] = 0 }
            }
            if err { throw ctx.error("internal index error") }
            return [.tensor(try x.take(flatIndices: idx, shape: x.shape))]
        }
    }
}
