import Foundation
import SurgeonTensor

/// Attention (opset 23, 24, 25): scaled dot-product attention with optional mask, causal and
/// sliding-window masking, KV cache (past_key/past_value), external-cache padding
/// (`nonpad_kv_seqlen`), grouped-query heads, softcap and the `qk_matmul_output` probe.
/// Inputs are 4-D `[B, heads, seq, head]` or 3-D `[B, seq, heads*head]` (with
/// q_num_heads/kv_num_heads). Computed in Float (BLAS per head); float16/bfloat16 values are
/// rounded at the steps where the ONNX reference rounds. This is the plain kernel; the
/// float32 4-D form without cache or extra outputs takes AttentionFloat.swift first.
enum Attention {
    static func register(_ r: inout OpRegistry) {
        r.register("Attention", since: 23) { ctx in try AttentionFloat.run(ctx) ?? run(ctx) }
    }

    /// Q/K/V as `[B, H, S, D]` floats.
    struct Heads {
        var b: Int, h: Int, s: Int, d: Int
        var data: [Float]
    }

    static func toHeads(_ t: Tensor, numHeads: Int?, name: String, ctx: OpContext) throws -> Heads {
        let v = t.floatArray()
        if t.rank == 4 {
            return Heads(b: t.shape[0], h: t.shape[1], s: t.shape[2], d: t.shape[3], data: v)
        }
        guard t.rank == 3 else { throw ctx.error("\(name) must be 3-D or 4-D, got \(t.typeDescription)") }
        guard let nh = numHeads, nh > 0 else {
            throw ctx.error("3-D inputs need the q_num_heads and kv_num_heads attributes")
        }
        let b = t.shape[0], s = t.shape[1], hidden = t.shape[2]
        guard hidden % nh == 0 else { throw ctx.error("\(name) hidden size \(hidden) is not divisible by \(nh) heads") }
        let d = hidden / nh
        var out = [Float](repeating: 0, count: v.count)
        for bi in 0..<b {
            for si in 0..<s {
                for hi in 0..<nh {
                    let src = (bi * s + si) * hidden + hi * d
                    let dst = ((bi * nh + hi) * s + si) * d
                    for k in 0..<d { out[dst + k] = v[src + k] }
                }
            }
        }
        return Heads(b: b, h: nh, s: s, d: d, data: out)
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let q0 = try ctx.tensor(0), k0 = try ctx.tensor(1), v0 = try ctx.tensor(2)
        let dtype = q0.dtype
        for t in [q0, k0, v0] {
            try requireFloat(t, "Attention")
            guard t.dtype == dtype else { throw ctx.error("Q, K and V must share one type") }
        }
        guard q0.rank == k0.rank, k0.rank == v0.rank else { throw ctx.error("Q, K and V must have one rank") }
        let rnd = roundingFunction(for: dtype)
        let reduced = dtype == .float16 || dtype == .bfloat16
        let qHeadsAttr = try ctx.intIfPresent("q_num_heads"), kvHeadsAttr = try ctx.intIfPresent("kv_num_heads")
        let Q = try toHeads(q0, numHeads: qHeadsAttr, name: "Q", ctx: ctx)
        var K = try toHeads(k0, numHeads: kvHeadsAttr, name: "K", ctx: ctx)
        var V = try toHeads(v0, numHeads: kvHeadsAttr, name: "V", ctx: ctx)
        let B = Q.b, Hq = Q.h, S = Q.s, D = Q.d
        guard K.b == B, V.b == B, K.h == V.h, K.s == V.s, K.d == D else {
            throw ctx.error("Q \(q0.typeDescription), K \(k0.typeDescription), V \(v0.typeDescription) do not match")
        }
        let Hkv = K.h, Dv = V.d
        guard Hkv > 0, Hq % Hkv == 0 else { throw ctx.error("q heads \(Hq) are not a multiple of kv heads \(Hkv)") }

        // KV cache.
        let pastKey = try ctx.optionalTensor(4), pastValue = try ctx.optionalTensor(5)
        guard (pastKey == nil) == (pastValue == nil) else { throw ctx.error("past_key and past_value go together") }
        var pastLen = 0
        if let pk = pastKey, let pv = pastValue {
            guard pk.rank == 4, pv.rank == 4, pk.shape[0] == B, pk.shape[1] == Hkv, pk.shape[3] == D,
                  pv.shape[0] == B, pv.shape[1] == Hkv, pv.shape[3] == Dv, pk.shape[2] == pv.shape[2] else {
                throw ctx.error("past_key \(pk.typeDescription) / past_value \(pv.typeDescription) do not match K and V")
            }
            pastLen = pk.shape[2]
            K = concatSeq(Heads(b: B, h: Hkv, s: pastLen, d: D, data: pk.floatArray()), K)
            V = concatSeq(Heads(b: B, h: Hkv, s: pastLen, d: Dv, data: pv.floatArray()), V)
        }
        let L = K.s

        // Per-batch offsets for causal / window masking, and the padding lengths.
        var nonpad: [Int]?
        if let np = try ctx.optionalTensor(6) {
            guard pastKey == nil else { throw ctx.error("nonpad_kv_seqlen cannot be combined with past_key") }
            let v = np.intArray()
            guard v.count == B else { throw ctx.error("nonpad_kv_seqlen needs \(B) values, got \(v.count)") }
            nonpad = v
        }
        func offset(_ b: Int) -> Int {
            if let nonpad { return nonpad[b] - S }
            return pastLen
        }

        // Attention mask, right-aligned against [B, Hq, S, L]; a short last axis is padded.
        var maskVals: [Float]? = nil
        var maskStrides = [0, 0, 0, 0]
        var maskLen = 0
        if let m = try ctx.optionalTensor(3) {
            guard m.rank >= 1 && m.rank <= 4 else { throw ctx.error("attn_mask must have rank 1 to 4") }
            let shape4 = Array(repeating: 1, count: 4 - m.rank) + m.shape
            let target = [B, Hq, S, shape4[3]]
            for a in 0..<3 where shape4[a] != 1 && shape4[a] != target[a] {
                throw ctx.error("attn_mask \(m.typeDescription) does not broadcast to \(shapeString([B, Hq, S, L]))")
            }
            guard shape4[3] <= L else { throw ctx.error("attn_mask is longer (\(shape4[3])) than the keys (\(L))") }
            maskLen = shape4[3]
            let st = contiguousStrides(shape4)
            maskStrides = (0..<4).map { shape4[$0] == 1 ? 0 : st[$0] }
            if m.dtype == .bool {
                maskVals = m.boolArray().map { $0 ? 0 : -Float.infinity }
            } else {
                try requireFloat(m, "Attention", "attn_mask")
                maskVals = m.floatArray()
            }
        }
        let isCausal = try ctx.int("is_causal", 0) != 0
        let left = try ctx.int("left_window_size", -1), right = try ctx.int("right_window_size", -1)
        guard left >= -1, right >= -1 else { throw ctx.error("window sizes must be -1 or non-negative") }

        func bias(_ b: Int, _ h: Int, _ i: Int, _ j: Int) -> Float {
            var x: Float = 0
            if let maskVals {
                x = j < maskLen ? maskVals[b * maskStrides[0] + h * maskStrides[1] + i * maskStrides[2] + j * maskStrides[3]] : -.infinity
            }
            if isCausal && j > i + offset(b) { x += -.infinity }
            if left >= 0 || right >= 0 {
                let diff = i + offset(b) - j
                if (left >= 0 && diff > left) || (right >= 0 && -diff > right) { x += -.infinity }
            }
            if let nonpad, j >= nonpad[b] { x += -.infinity }
            return x
        }

        // Scale (applied as sqrt(scale) to both Q and K, as the reference does).
        var scale = try ctx.float("scale", 0)
        if !ctx.has("scale") { scale = 1 / Float(D).squareRoot() }
        let sq = rnd(scale.squareRoot())
        let softcap = try ctx.float("softcap", 0)
        let mode = try ctx.int("qk_matmul_output_mode", 0)
        guard (0...3).contains(mode) else { throw ctx.error("qk_matmul_output_mode must be 0...3") }
        let softmaxPrecision = try ctx.intIfPresent("softmax_precision")
        // Softmax rounds to the input type unless softmax_precision asks for a wider one.
        let softRound: (Float) -> Float = softmaxPrecision.flatMap { DType(rawValue: $0) }.map { roundingFunction(for: $0) } ?? rnd

        let stepRound = dtype == .bfloat16 && (softmaxPrecision == nil || softmaxPrecision == DType.bfloat16.rawValue)
        // float32 with float32 softmax and no softcap: every rounding above is the identity, so
        // the rows run as plain loops (same operations in the same order, without the closures).
        let plain32 = dtype == .float32 && softcap == 0
            && (softmaxPrecision == nil || softmaxPrecision == DType.float32.rawValue)
        let qs = plain32 ? Q.data.map { $0 * sq } : Q.data.map { rnd($0 * sq) }
        let ks = plain32 ? K.data.map { $0 * sq } : K.data.map { rnd($0 * sq) }
        let group = Hq / Hkv
        var y = [Float](repeating: 0, count: B * Hq * S * Dv)
        let wantQK = ctx.node.outputs.count > 3 && !ctx.node.outputs[3].isEmpty
        var qkOut = [Float](repeating: 0, count: wantQK ? B * Hq * S * L : 0)
        var scores = [Float](repeating: 0, count: S * L)
        var probs = [Float](repeating: 0, count: S * L)
        var rowBias = [Float](repeating: 0, count: L)
        /// Row i's additive bias (masks, causal) into `rowBias`; true when every key is masked.
        func fillRowBias(_ b: Int, _ h: Int, _ i: Int) -> Bool {
            var allMasked = true
            for j in 0..<L {
                let bj = bias(b, h, i, j)
                rowBias[j] = bj
                if !(bj == -.infinity) { allMasked = false }
            }
            return allMasked
        }
        for b in 0..<B {
            for h in 0..<Hq {
                let kh = h / group
                qs.withUnsafeBufferPointer { pq in
                    ks.withUnsafeBufferPointer { pk in
                        scores.withUnsafeMutableBufferPointer { ps in
                            guard let a = pq.baseAddress, let kb = pk.baseAddress, let c = ps.baseAddress else { return }
                            sgemmAdaptive(transA: false, transB: true, m: S, n: L, k: D, alpha: 1,
                                  a: a + (b * Hq + h) * S * D, lda: D, b: kb + (b * Hkv + kh) * L * D, ldb: D,
                                  beta: 0, c: c, ldc: L)
                        }
                    }
                }
                if plain32 && !(wantQK && mode == 3) {
                    for i in 0..<S {
                        let allMasked = fillRowBias(b, h, i)
                        scores.withUnsafeBufferPointer { ps in
                        probs.withUnsafeMutableBufferPointer { pp in
                        rowBias.withUnsafeBufferPointer { rb in
                            guard let sc = ps.baseAddress.map({ $0 + i * L }), let pr = pp.baseAddress.map({ $0 + i * L }),
                                  let bb = rb.baseAddress else { return }
                            var mx = -Float.infinity
                            for j in 0..<L {
                                let withBias = sc[j] + bb[j]
                                pr[j] = withBias
                                if withBias > mx { mx = withBias }
                            }
                            if wantQK {
                                for j in 0..<L { qkOut[((b * Hq + h) * S + i) * L + j] = mode < 2 ? sc[j] : pr[j] }
                            }
                            attentionSoftmaxRowF32(pr, L, max: mx, allMasked: allMasked)
                        }
                        }
                        }
                    }
                } else {
                for i in 0..<S {
                    let allMasked = fillRowBias(b, h, i)
                    var mx = -Float.infinity
                    for j in 0..<L {
                        var s = rnd(scores[i * L + j])
                        if softcap > 0 { s = rnd(rnd(tanhf(rnd(s / softcap))) * softcap) }
                        let withBias = rnd(s + rowBias[j])
                        if wantQK && mode < 2 { qkOut[((b * Hq + h) * S + i) * L + j] = s }
                        if wantQK && mode == 2 { qkOut[((b * Hq + h) * S + i) * L + j] = withBias }
                        let sb = softRound(withBias)
                        probs[i * L + j] = sb
                        if sb > mx { mx = sb }
                    }
                    if allMasked {
                        for j in 0..<L { probs[i * L + j] = 0 }
                    } else {
                        let m0: Float = mx == -.infinity ? 0 : mx
                        var sum: Float = 0
                        for j in 0..<L {
                            let e = softRound(expf(softRound(probs[i * L + j] - m0)))
                            probs[i * L + j] = e
                            // numpy sums bfloat16 step by step in bfloat16, float16 in float.
                            sum = stepRound ? softRound(sum + e) : sum + e
                        }
                        sum = softRound(sum)
                        if sum == 0 { sum = 1 }
                        for j in 0..<L { probs[i * L + j] = rnd(softRound(probs[i * L + j] / sum)) }
                    }
                    if wantQK && mode == 3 {
                        for j in 0..<L { qkOut[((b * Hq + h) * S + i) * L + j] = probs[i * L + j] }
                    }
                }
                }
                probs.withUnsafeBufferPointer { pp in
                    V.data.withUnsafeBufferPointer { pv in
                        y.withUnsafeMutableBufferPointer { py in
                            guard let a = pp.baseAddress, let vb = pv.baseAddress, let c = py.baseAddress else { return }
                            sgemmAdaptive(transA: false, transB: false, m: S, n: Dv, k: L, alpha: 1,
                                  a: a, lda: L, b: vb + (b * Hkv + kh) * L * Dv, ldb: Dv,
                                  beta: 0, c: c + (b * Hq + h) * S * Dv, ldc: Dv)
                        }
                    }
                }
            }
        }
        if reduced { for i in 0..<y.count { y[i] = rnd(y[i]) } }
        var yShape = [B, Hq, S, Dv]
        if q0.rank == 3 {
            // Back to [B, S, Hq * Dv].
            var t = [Float](repeating: 0, count: y.count)
            for b in 0..<B { for h in 0..<Hq { for s in 0..<S { for d in 0..<Dv {
                t[((b * S + s) * Hq + h) * Dv + d] = y[((b * Hq + h) * S + s) * Dv + d]
            } } } }
            y = t
            yShape = [B, S, Hq * Dv]
        }
        var outs: [Value] = [.tensor(try floatTensor(y, shape: yShape, dtype: dtype))]
        // present_key / present_value only when the node names them or a later output follows
        // (an unnamed output's value is dropped by the interpreter).
        let outNames = ctx.node.outputs
        if outNames.dropFirst().contains(where: { !$0.isEmpty }) {
            let named = { (k: Int) in k < outNames.count && !outNames[k].isEmpty }
            outs.append(named(1) ? .tensor(try floatTensor(K.data, shape: [B, Hkv, L, D], dtype: dtype)) : .optional(nil))
            outs.append(named(2) ? .tensor(try floatTensor(V.data, shape: [B, Hkv, L, Dv], dtype: dtype)) : .optional(nil))
            if wantQK { outs.append(.tensor(try floatTensor(qkOut, shape: [B, Hq, S, L], dtype: dtype))) }
        }
        return outs
    }

    /// Concatenates two `[B, H, S, D]` blocks along S.
    static func concatSeq(_ a: Heads, _ b: Heads) -> Heads {
        let s = a.s + b.s
        var out = [Float](repeating: 0, count: a.b * a.h * s * a.d)
        for bi in 0..<a.b {
            for h in 0..<a.h {
                let dst = (bi * a.h + h) * s * a.d
                let sa = (bi * a.h + h) * a.s * a.d, sb = (bi * a.h + h) * b.s * a.d
                for k in 0..<(a.s * a.d) { out[dst + k] = a.data[sa + k] }
                for k in 0..<(b.s * a.d) { out[dst + a.s * a.d + k] = b.data[sb + k] }
            }
        }
        return Heads(b: a.b, h: a.h, s: s, d: a.d, data: out)
    }
}

/// The float32 probabilities of one attention row, in place: `pr` holds the n biased scores
/// and `mx` their largest. exp(x - max) with libm's expf in key order, summed in that order,
/// each divided by the sum (1 if it is 0); a row whose every key is masked is all zeros. The
/// plain kernel and `AttentionFloat` both call it, so their rows are the same bits.
@inline(__always)
func attentionSoftmaxRowF32(_ pr: UnsafeMutablePointer<Float>, _ n: Int, max mx: Float, allMasked: Bool) {
    if allMasked {
        for j in 0..<n { pr[j] = 0 }
        return
    }
    let m0: Float = mx == -.infinity ? 0 : mx
    var sum: Float = 0
    for j in 0..<n {
        let e = expf(pr[j] - m0)
        pr[j] = e
        sum = sum + e
    }
    if sum == 0 { sum = 1 }
    for j in 0..<n { pr[j] = pr[j] / sum }
}
