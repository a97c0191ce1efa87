import SurgeonTensor

/// RotaryEmbedding (opset 23): rotates the first `rotary_embedding_dim` features of each head
/// by the cos/sin caches, split-half or interleaved. Input `[B, H, S, D]` or `[B, S, H*D]`
/// (with num_heads); caches `[max_pos, dim/2]` indexed by position_ids, or `[B, S, dim/2]`.
enum RotaryEmbedding {
    static func register(_ r: inout OpRegistry) {
        r.register("RotaryEmbedding", since: 23) { ctx in
            let x = try ctx.tensor(0), cosT = try ctx.tensor(1), sinT = try ctx.tensor(2)
            let pos = try ctx.optionalTensor(3)
            try requireFloat(x, "RotaryEmbedding", "input")
            let interleaved = try ctx.int("interleaved", 0) != 0
            let B: Int, S: Int, H: Int, D: Int
            if x.rank == 4 {
                B = x.shape[0]; H = x.shape[1]; S = x.shape[2]; D = x.shape[3]
            } else if x.rank == 3 {
                let nh = try ctx.int("num_heads", 0)
                guard nh > 0, x.shape[2] % nh == 0 else { throw ctx.error("3-D input needs num_heads dividing \(x.shape[2])") }
                B = x.shape[0]; S = x.shape[1]; H = nh; D = x.shape[2] / nh
            } else {
                throw ctx.error("input must be 3-D or 4-D, got \(x.typeDescription)")
            }
            var rd = try ctx.int("rotary_embedding_dim", 0)
            if rd == 0 { rd = D }
            guard rd > 0, rd <= D, rd % 2 == 0 else { throw ctx.error("rotary_embedding_dim \(rd) must be even and at most \(D)") }
            let half = rd / 2
            guard cosT.shape.last == half, sinT.shape == cosT.shape else {
                throw ctx.error("cos/sin caches \(cosT.typeDescription), \(sinT.typeDescription) need last extent \(half)")
            }
            let cv = cosT.floatArray(), sv = sinT.floatArray()
            // Row of the caches for (b, s).
            var rowOf = [Int](repeating: 0, count: B * S)
            if let pos {
                guard pos.shape == [B, S], cosT.rank == 2 else { throw ctx.error("position_ids must be [\(B), \(S)] with 2-D caches") }
                let p = pos.intArray()
                for i in 0..<(B * S) {
                    guard p[i] >= 0 && p[i] < cosT.shape[0] else { throw ctx.error("position id \(p[i]) outside the caches") }
                    rowOf[i] = p[i]
                }
            } else {
                guard cosT.shape == [B, S, half] else { throw ctx.error("without position_ids the caches must be [\(B), \(S), \(half)]") }
                for i in 0..<(B * S) { rowOf[i] = i }
            }
            var v = x.floatArray()
            let rnd = roundingFunction(for: x.dtype)
            for b in 0..<B { for s in 0..<S { for h in 0..<H {
                let base = x.rank == 4 ? ((b * H + h) * S + s) * D : ((b * S + s) * H + h) * D
                let row = rowOf[b * S + s] * half
                for k in 0..<half {
                    let i1 = interleaved ? base + 2 * k : base + k
                    let i2 = interleaved ? base + 2 * k + 1 : base + half + k
                    let x1 = v[i1], x2 = v[i2], c = cv[row + k], sn = sv[row + k]
                    v[i1] = rnd(c * x1 - sn * x2)
                    v[i2] = rnd(sn * x1 + c * x2)
                }
            } } }
            return [.tensor(try floatTensor(v, shape: x.shape, dtype: x.dtype))]
        }
    }
}
