import Foundation
import SurgeonTensor

/// FlexAttention (ai.onnx.preview opset 1): scaled dot-product attention of Q [B, Hq, L, E]
/// over K [B, Hkv, S, E] / V [B, Hkv, S, Ev] (GQA: query head h uses KV head h / (Hq/Hkv)).
/// Q and K are each pre-scaled by sqrt(scale) (default scale 1/sqrt(E)) in the input type; the
/// scores [B, Hq, L, S] are cast to the softmax precision (`softmax_precision`, else float32
/// for 16-bit inputs, else the input type), passed through the optional `score_mod` subgraph,
/// soft-maxed over S, passed through the optional `prob_mod` subgraph, and multiplied by V in
/// that precision; the result [B, Hq, L, Ev] is cast back to V's type.
enum FlexAttention {
    static func register(_ r: inout OpRegistry) {
        r.register("FlexAttention", domain: "ai.onnx.preview", since: 1) { ctx in try run(ctx) }
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let q = try ctx.tensor(0), k = try ctx.tensor(1), v = try ctx.tensor(2)
        for (name, t) in [("Q", q), ("K", k), ("V", v)] {
            guard t.rank == 4, t.dtype.isFloatingPoint else { throw ctx.error("\(name) must be a rank-4 floating-point tensor, got \(t.typeDescription)") }
        }
        guard k.dtype == q.dtype, v.dtype == q.dtype else { throw ctx.error("Q, K and V must share one type") }
        let (b, hq, l, e) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (hkv, s, ev) = (k.shape[1], k.shape[2], v.shape[3])
        guard k.shape[0] == b, v.shape[0] == b else { throw ctx.error("Q, K and V must share the batch size") }
        guard k.shape[3] == e else { throw ctx.error("K's head size \(k.shape[3]) differs from Q's \(e)") }
        guard v.shape[1] == hkv, v.shape[2] == s else { throw ctx.error("K and V must share heads and sequence length") }
        guard hkv > 0, hq % hkv == 0 else { throw ctx.error("query heads \(hq) must be a multiple of key/value heads \(hkv)") }
        let group = hq / hkv

        let dt = q.dtype
        var compute: DType = dt == .float64 ? .float64 : .float32
        if let p = try ctx.intIfPresent("softmax_precision") {
            guard let d = DType(rawValue: p), d.isFloatingPoint else { throw ctx.error("unsupported softmax_precision \(p)") }
            compute = d
        }
        let scale: Double
        if ctx.has("scale") { scale = Double(try ctx.float("scale", 0)) } else { scale = 1 / Double(e).squareRoot() }
        let rIn = { (x: Double) in ExtraSupport.round(x, to: dt) }
        let rC = { (x: Double) in ExtraSupport.round(x, to: compute) }
        let ss = rIn(Double(Float(scale).squareRoot()))

        // Scores in the input type, then the softmax precision.
        let qs = q.doubleArray().map { rIn($0 * ss) }, ks = k.doubleArray().map { rIn($0 * ss) }
        var scores = [Double](repeating: 0, count: b * hq * l * s)
        for bi in 0..<b {
            for h in 0..<hq {
                let kh = h / group
                for i in 0..<l {
                    let qo = ((bi * hq + h) * l + i) * e
                    for j in 0..<s {
                        let ko = ((bi * hkv + kh) * s + j) * e
                        var acc = 0.0
                        for d in 0..<e { acc += qs[qo + d] * ks[ko + d] }
                        scores[((bi * hq + h) * l + i) * s + j] = rC(rIn(acc))
                    }
                }
            }
        }
        let scoreShape = [b, hq, l, s]
        if ctx.has("score_mod") {
            scores = try applyMod(ctx, "score_mod", scores, shape: scoreShape, dtype: compute)
        }
        var probs = scores
        for row in 0..<(b * hq * l) {
            let base = row * s
            var m = -Double.infinity
            for j in 0..<s { m = max(m, probs[base + j]) }
            var sum = 0.0
            for j in 0..<s { let x = rC(exp(probs[base + j] - m)); probs[base + j] = x; sum += x }
            for j in 0..<s { probs[base + j] = rC(probs[base + j] / sum) }
        }
        if ctx.has("prob_mod") {
            probs = try applyMod(ctx, "prob_mod", probs, shape: scoreShape, dtype: compute)
        }
        let vs = v.doubleArray().map(rC)
        var out = [Double](repeating: 0, count: b * hq * l * ev)
        for bi in 0..<b {
            for h in 0..<hq {
                let vh = h / group
                for i in 0..<l {
                    let po = ((bi * hq + h) * l + i) * s, oo = ((bi * hq + h) * l + i) * ev
                    for j in 0..<s {
                        let p = probs[po + j]
                        if p == 0 { continue }
                        let vo = ((bi * hkv + vh) * s + j) * ev
                        for m in 0..<ev { out[oo + m] += p * vs[vo + m] }
                    }
                }
            }
        }
        return [.tensor(try Tensor(doubles: out, shape: [b, hq, l, ev], dtype: v.dtype))]
    }

    /// Runs a one-input, one-output modifier subgraph on `values` and returns its result in `dtype`.
    static func applyMod(_ ctx: OpContext, _ name: String, _ values: [Double], shape: [Int], dtype: DType) throws -> [Double] {
        let g = try ctx.graph(name)
        guard g.inputs.count == 1, g.outputs.count == 1 else { throw ctx.error("\(name) must have one input and one output") }
        let outs = try ctx.runSubgraph(g, inputs: [.tensor(try Tensor(doubles: values, shape: shape, dtype: dtype))])
        guard let first = outs.first else { throw ctx.error("\(name) produced no output") }
        let t = try first.asTensor()
        guard t.dtype.isFloatingPoint else { throw ctx.error("\(name) must produce floating-point values, got \(t.dtype)") }
        let r = t.shape == shape ? t : try t.broadcast(to: shape)
        return try r.cast(to: dtype).doubleArray()
    }
}
