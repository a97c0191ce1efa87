import Foundation
import SurgeonTensor

/// LinearAttention (opset 27): recurrent linear attention over query/key/value [B, T, H*D]
/// with a per-KV-head state S [B, H_kv, d_k, d_v] (from `past_state`, else zeros). Each step:
/// gated rules decay S by exp(decay_t) (per head or per key dim); delta rules replace v_t by
/// beta_t * (v_t - S^T k_t); then S += k_t v_t^T and o_t = scale * q_t^T S, where query head h
/// reads KV head h / (q_num_heads / kv_num_heads) (GQA/MQA). update_rule is linear, gated,
/// delta or gated_delta (default). Computed in float32; outputs the attention [B, T, H_q*d_v]
/// and the final state (in past_state's type, else the query's).
enum LinearAttention {
    static func register(_ r: inout OpRegistry) {
        r.register("LinearAttention", since: 27) { ctx in try run(ctx) }
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let q = try ctx.tensor(0), k = try ctx.tensor(1), v = try ctx.tensor(2)
        let past = try ctx.optionalTensor(3), decay = try ctx.optionalTensor(4), beta = try ctx.optionalTensor(5)
        let rule = try ctx.string("update_rule", "gated_delta")
        guard ["linear", "gated", "delta", "gated_delta"].contains(rule) else { throw ctx.error("unknown update_rule '\(rule)'") }
        guard let hq = try ctx.intIfPresent("q_num_heads"), let hkv = try ctx.intIfPresent("kv_num_heads") else {
            throw ctx.error("q_num_heads and kv_num_heads are required")
        }
        guard hq > 0, hkv > 0, hq % hkv == 0 else { throw ctx.error("q_num_heads \(hq) must be a positive multiple of kv_num_heads \(hkv)") }
        let gating = rule == "gated" || rule == "gated_delta"
        let delta = rule == "delta" || rule == "gated_delta"
        guard gating == (decay != nil) else { throw ctx.error("update_rule '\(rule)' \(gating ? "needs" : "forbids") the decay input") }
        guard delta == (beta != nil) else { throw ctx.error("update_rule '\(rule)' \(delta ? "needs" : "forbids") the beta input") }
        for (name, t) in [("query", q), ("key", k), ("value", v)] {
            guard t.rank == 3, t.dtype.isFloatingPoint else { throw ctx.error("\(name) must be a floating-point [B, T, H*D], got \(t.typeDescription)") }
        }
        let (b, steps) = (q.shape[0], q.shape[1])
        guard k.shape[0] == b, v.shape[0] == b, k.shape[1] == steps, v.shape[1] == steps else {
            throw ctx.error("query, key and value must agree in batch and sequence length")
        }
        guard q.shape[2] % hq == 0, k.shape[2] % hkv == 0, v.shape[2] % hkv == 0 else {
            throw ctx.error("hidden sizes are not divisible by the head counts")
        }
        let dk = q.shape[2] / hq, dv = v.shape[2] / hkv
        guard k.shape[2] / hkv == dk else { throw ctx.error("key head size \(k.shape[2] / hkv) differs from the query's \(dk)") }
        let group = hq / hkv

        var decayPerDim = false
        if let decay {
            guard decay.rank == 3, decay.shape[0] == b, decay.shape[1] == steps,
                  decay.shape[2] == hkv || decay.shape[2] == hkv * dk else {
                throw ctx.error("decay must be [\(b), \(steps), \(hkv) or \(hkv * dk)], got \(decay.typeDescription)")
            }
            decayPerDim = decay.shape[2] != hkv  // when d_k == 1 both layouts coincide
        }
        var betaWidth = 1
        if let beta {
            guard beta.rank == 3, beta.shape[0] == b, beta.shape[1] == steps, beta.shape[2] == hkv || beta.shape[2] == 1 else {
                throw ctx.error("beta must be [\(b), \(steps), \(hkv) or 1], got \(beta.typeDescription)")
            }
            betaWidth = beta.shape[2]
        }
        var state = [Float](repeating: 0, count: b * hkv * dk * dv)
        if let past {
            guard past.shape == [b, hkv, dk, dv], past.dtype.isFloatingPoint else {
                throw ctx.error("past_state must be [\(b), \(hkv), \(dk), \(dv)], got \(past.typeDescription)")
            }
            state = past.floatArray()
        }
        let scaleAttr = try ctx.float("scale", 0)
        let scale = scaleAttr == 0 ? 1 / Float(dk).squareRoot() : scaleAttr

        let qs = q.floatArray(), ks = k.floatArray(), vs = v.floatArray()
        let ds = decay?.floatArray() ?? [], bs = beta?.floatArray() ?? []
        var out = [Float](repeating: 0, count: b * steps * hq * dv)
        var vt = [Float](repeating: 0, count: dv)
        for bi in 0..<b {
            for t in 0..<steps {
                let row = bi * steps + t
                for h in 0..<hkv {
                    let s0 = (bi * hkv + h) * dk * dv
                    let kOff = row * hkv * dk + h * dk
                    if gating {
                        for d in 0..<dk {
                            let g = decayPerDim ? ds[row * hkv * dk + h * dk + d] : ds[row * hkv + h]
                            let f = exp(g)
                            for m in 0..<dv { state[s0 + d * dv + m] *= f }
                        }
                    }
                    for m in 0..<dv { vt[m] = vs[row * hkv * dv + h * dv + m] }
                    if delta {
                        let bt = bs[row * betaWidth + (betaWidth == 1 ? 0 : h)]
                        for m in 0..<dv {
                            var retrieved: Float = 0
                            for d in 0..<dk { retrieved += state[s0 + d * dv + m] * ks[kOff + d] }
                            vt[m] = bt * (vt[m] - retrieved)
                        }
                    }
                    for d in 0..<dk {
                        let kd = ks[kOff + d]
                        for m in 0..<dv { state[s0 + d * dv + m] += kd * vt[m] }
                    }
                    for qh in (h * group)..<((h + 1) * group) {
                        let qOff = row * hq * dk + qh * dk
                        let oOff = row * hq * dv + qh * dv
                        for m in 0..<dv {
                            var acc: Float = 0
                            for d in 0..<dk { acc += qs[qOff + d] * state[s0 + d * dv + m] }
                            out[oOff + m] = scale * acc
                        }
                    }
                }
            }
        }
        let y = try Tensor(floats: out, shape: [b, steps, hq * dv], dtype: q.dtype)
        let present = try Tensor(floats: state, shape: [b, hkv, dk, dv], dtype: past?.dtype ?? q.dtype)
        return [.tensor(y), .tensor(present)]
    }
}
