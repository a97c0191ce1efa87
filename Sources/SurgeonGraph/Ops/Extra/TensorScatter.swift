import SurgeonTensor

/// TensorScatter (opset 24): writes `update` into a KV-cache-like `past_cache` along `axis`
/// (default -2), starting per batch entry at `write_indices[b]` (0 when absent); mode
/// `linear` requires the write to fit, `circular` wraps around the axis length.
enum TensorScatter {
    static func register(_ r: inout OpRegistry) {
        r.register("TensorScatter", since: 24) { ctx in
            let past = try ctx.tensor(0), update = try ctx.tensor(1)
            let mode = try ctx.string("mode", "linear")
            guard mode == "linear" || mode == "circular" else { throw ctx.error("unknown mode '\(mode)'") }
            guard past.dtype == update.dtype else { throw ctx.error("past_cache is \(past.dtype) but update is \(update.dtype)") }
            guard past.rank >= 2, update.rank == past.rank else {
                throw ctx.error("past_cache \(past.typeDescription) and update \(update.typeDescription) need equal ranks >= 2")
            }
            let axis = try normalizeAxis(ctx.int("axis", -2), rank: past.rank)
            guard axis != 0 else { throw ctx.error("axis cannot be the batch axis 0") }
            for i in 0..<past.rank where i != axis && past.shape[i] != update.shape[i] {
                throw ctx.error("update \(update.typeDescription) does not match past_cache \(past.typeDescription) in dimension \(i)")
            }
            let maxLen = past.shape[axis], seqLen = update.shape[axis]
            guard seqLen <= maxLen else { throw ctx.error("update is longer than the cache along axis \(axis)") }
            let batch = past.shape[0]
            var starts = [Int](repeating: 0, count: batch)
            if let w = try ctx.optionalTensor(2) {
                guard w.dtype.isInteger, w.count == batch else {
                    throw ctx.error("write_indices must be \(batch) integers, got \(w.typeDescription)")
                }
                starts = w.int64Array().map { Int(clamping: $0) }
            }
            for s in starts {
                guard s >= 0, s < maxLen || (s == 0 && maxLen == 0) else { throw ctx.error("write index \(s) is out of range 0..<\(maxLen)") }
                if mode == "linear" && s + seqLen > maxLen {
                    throw ctx.error("writing \(seqLen) entries at \(s) overflows the cache length \(maxLen)")
                }
            }
            // Output element i takes past[i] unless overwritten by update, addressed past its end.
            let inner = past.shape[(axis + 1)...].reduce(1, *)
            let outerPerBatch = past.shape[1..<axis].reduce(1, *)
            let total = past.count
            var idx = Array(0..<total)
            for b in 0..<batch {
                for o in 0..<outerPerBatch {
                    for s in 0..<seqLen {
                        var c = starts[b] + s
                        if mode == "circular" { c %= maxLen }
                        let dst = ((b * outerPerBatch + o) * maxLen + c) * inner
                        let src = ((b * outerPerBatch + o) * seqLen + s) * inner
                        for k in 0..<inner { idx[dst + k] = total + src + k }
                    }
                }
            }
            let both = try Tensor.concat([past.reshaped([total]), update.reshaped([update.count])], axis: 0)
            return [.tensor(try both.take(flatIndices: idx, shape: past.shape))]
        }
    }
}
