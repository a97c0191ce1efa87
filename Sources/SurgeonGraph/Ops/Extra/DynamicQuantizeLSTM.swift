import SurgeonTensor

/// com.microsoft DynamicQuantizeLSTM (opset 1), what onnxruntime's dynamic quantization makes
/// of an LSTM: the LSTM of ai.onnx (gates i, o, f, c; peepholes, input_forget, clip, the three
/// activations, forward / reverse / bidirectional, sequence_lens, initial_h/c) whose weights
/// are 8-bit: W `[dirs, input, 4*hidden]` and R `[dirs, hidden, 4*hidden]` (transposed
/// against LSTM's), int8 or uint8, with W_scale/W_zero_point and R_scale/R_zero_point per
/// direction (`[dirs]`) or per output column (`[dirs, 4*hidden]`).
/// Inputs: X, W, R, B, sequence_lens, initial_h, initial_c, P, W_scale, W_zero_point,
/// R_scale, R_zero_point. Outputs Y, Y_h, Y_c.
///
/// Like onnxruntime, the float operands of both products are quantized on the fly to uint8
/// (scale and zero point from their range, which always includes 0): X once for all time
/// steps, the previous hidden state at every step. The integer products are exact (the
/// quantized values are small integers, multiplied in float64) and scaled by
/// `x_scale * w_scale` per column, so the results follow onnxruntime's rounding (onnxruntime
/// on one intra-op thread: with more threads and batch > 1 it quantizes H per batch chunk).
enum DynamicQuantizeLSTM {
    static func register(_ r: inout OpRegistry) {
        r.register("DynamicQuantizeLSTM", domain: "com.microsoft", since: 1) { ctx in try run(ctx) }
    }

    /// A quantized weight of one direction: `[k, n]` integer values minus the zero point,
    /// and the scale of each of the n columns.
    struct Weights {
        let values: [Double]
        let scales: [Float]
    }

    static func weights(_ ctx: OpContext, _ i: Int, name: String, dirs: Int, k: Int, n: Int) throws -> [Weights] {
        let w = try ctx.tensor(i), scale = try ctx.tensor(i == 1 ? 8 : 10), zp = try ctx.tensor(i == 1 ? 9 : 11)
        guard w.dtype == .int8 || w.dtype == .uint8 else { throw ctx.error("\(name) must be int8 or uint8, got \(w.typeDescription)") }
        guard w.shape == [dirs, k, n] else { throw ctx.error("\(name) \(w.typeDescription) should be \(shapeString([dirs, k, n]))") }
        try requireFloat(scale, ctx.node.opType, "\(name)_scale")
        guard zp.dtype == w.dtype else { throw ctx.error("\(name)_zero_point \(zp.typeDescription) should have \(name)'s type \(w.dtype)") }
        for (what, t) in [("scale", scale), ("zero_point", zp)] where t.shape != [dirs] && t.shape != [dirs, n] {
            throw ctx.error("\(name)_\(what) \(t.typeDescription) should be \(shapeString([dirs])) or \(shapeString([dirs, n]))")
        }
        let perColumn = scale.rank == 2, zpPerColumn = zp.rank == 2
        let wv = w.intArray(), sv = scale.floatArray(), zv = zp.intArray()
        return (0..<dirs).map { d in
            var values = [Double](repeating: 0, count: k * n)
            for row in 0..<k {
                for col in 0..<n {
                    let z = zv[zpPerColumn ? d * n + col : d]
                    values[row * n + col] = Double(wv[(d * k + row) * n + col] - z)
                }
            }
            let scales = (0..<n).map { sv[perColumn ? d * n + $0 : d] }
            return Weights(values: values, scales: scales)
        }
    }

    /// onnxruntime's dynamic uint8 parameters of a float range: the range widened to hold 0,
    /// scale = range / 255 (1 for an all-zero range), zero point rounded half to even.
    static func uint8Parameters(_ v: UnsafeBufferPointer<Float>) -> (scale: Float, zeroPoint: Float) {
        var lo: Float = 0, hi: Float = 0
        for e in v { lo = min(lo, e); hi = max(hi, e) }
        let scale: Float = hi == lo ? 1 : (hi - lo) / 255
        let zp = min(255, max(0, 0 - lo / scale)).rounded(.toNearestOrEven)
        return (scale, zp)
    }

    /// `rows x k` floats quantized to uint8 minus the zero point (as Double), and the scale.
    static func quantize(_ v: UnsafeBufferPointer<Float>) -> (values: [Double], scale: Float) {
        let (scale, zp) = uint8Parameters(v)
        let q = v.map { e -> Double in
            let r = (e / scale).rounded(.toNearestOrEven) + zp
            return Double((r.isNaN ? 0 : min(255, max(0, r))) - zp)
        }
        return (q, scale)
    }

    /// `A (rows x k, float) · W (k x n)` the way onnxruntime's quantized GEMM computes it.
    static func product(_ a: UnsafeBufferPointer<Float>, rows: Int, k: Int, _ w: Weights, n: Int) -> [Float] {
        let (q, scale) = quantize(a)
        var acc = [Double](repeating: 0, count: rows * n)
        q.withUnsafeBufferPointer { pa in
            w.values.withUnsafeBufferPointer { pb in
                acc.withUnsafeMutableBufferPointer { pc in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let c = pc.baseAddress else { return }
                    dgemm(transA: false, transB: false, m: rows, n: n, k: k, alpha: 1, a: a, lda: k,
                          b: b, ldb: n, beta: 0, c: c, ldc: n)
                }
            }
        }
        let multipliers = w.scales.map { scale * $0 }
        var out = [Float](repeating: 0, count: rows * n)
        for row in 0..<rows { for col in 0..<n { out[row * n + col] = Float(acc[row * n + col]) * multipliers[col] } }
        return out
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let xT = try ctx.tensor(0)
        guard xT.dtype == .float32 else { throw ctx.error("X must be float32, got \(xT.typeDescription)") }
        guard xT.rank == 3 else { throw ctx.error("X \(xT.typeDescription) must be 3-D [seq, batch, input]") }
        let direction = try ctx.string("direction", "forward")
        guard ["forward", "reverse", "bidirectional"].contains(direction) else { throw ctx.error("unknown direction '\(direction)'") }
        let dirs = direction == "bidirectional" ? 2 : 1
        let seq = xT.shape[0], B = xT.shape[1], I = xT.shape[2]
        let rShape = try ctx.tensor(2).shape
        guard rShape.count == 3 else { throw ctx.error("R must be 3-D [dirs, hidden, 4*hidden]") }
        let H = rShape[1], G = 4 * H
        if let hs = try ctx.intIfPresent("hidden_size"), hs != H { throw ctx.error("hidden_size \(hs) does not match R \(shapeString(rShape))") }
        let w = try weights(ctx, 1, name: "W", dirs: dirs, k: I, n: G)
        let r = try weights(ctx, 2, name: "R", dirs: dirs, k: H, n: G)
        var bias = Array(repeating: [Float](repeating: 0, count: G), count: dirs)
        if let bT = try ctx.optionalTensor(3) {
            guard bT.shape == [dirs, 2 * G] else { throw ctx.error("B \(bT.typeDescription) should be \(shapeString([dirs, 2 * G]))") }
            let bv = bT.floatArray()
            bias = (0..<dirs).map { d in (0..<G).map { bv[d * 2 * G + $0] + bv[d * 2 * G + G + $0] } }
        }
        var seqLens = Array(repeating: seq, count: B)
        if let sl = try ctx.optionalTensor(4) {
            let v = sl.intArray()
            guard v.count == B, v.allSatisfy({ $0 >= 0 && $0 <= seq }) else { throw ctx.error("sequence_lens must hold \(B) values in 0...\(seq)") }
            seqLens = v
        }
        let h0 = try RecurrentSetup.state(ctx, 5, dirs: dirs, batch: B, hidden: H, layout: 0)
        let c0 = try RecurrentSetup.state(ctx, 6, dirs: dirs, batch: B, hidden: H, layout: 0)
        var peep = Array(repeating: [Float](repeating: 0, count: 3 * H), count: dirs)
        if let p = try ctx.optionalTensor(7) {
            guard p.shape == [dirs, 3 * H] else { throw ctx.error("P \(p.typeDescription) should be \(shapeString([dirs, 3 * H]))") }
            let v = p.floatArray()
            peep = (0..<dirs).map { Array(v[($0 * 3 * H)..<(($0 + 1) * 3 * H)]) }
        }
        let clip: Float? = try ctx.has("clip") ? ctx.float("clip", 0) : nil
        func clipped(_ v: Float) -> Float { clip.map { min(max(v, -$0), $0) } ?? v }
        let inputForget = try ctx.int("input_forget", 0) != 0
        let acts = try RecurrentSetup.activations(ctx, dirs: dirs, defaultActs: ["Sigmoid", "Tanh", "Tanh"])
        let x = xT.floatArray()
        let maxLen = seqLens.max() ?? 0

        var ys: [[Float]] = [], hs: [[Float]] = [], cs: [[Float]] = []
        for d in 0..<dirs {
            let reverse = direction == "reverse" || d == 1
            // X · W for the steps any sequence reaches, in step order of this direction.
            var xs = [Float](repeating: 0, count: maxLen * B * I)
            for step in 0..<maxLen {
                for b in 0..<B {
                    let t = reverse && step < seqLens[b] ? seqLens[b] - 1 - step : step
                    for i in 0..<I { xs[(step * B + b) * I + i] = x[(t * B + b) * I + i] }
                }
            }
            let xp = xs.withUnsafeBufferPointer { product($0, rows: maxLen * B, k: I, w[d], n: G) }
            let f = acts[d][0], g = acts[d][1], hAct = acts[d][2]
            let pi = Array(peep[d][0..<H]), po = Array(peep[d][H..<(2 * H)]), pf = Array(peep[d][(2 * H)...])
            var h = h0[d], c = c0[d]
            var hIn = h  // the previous step's output: finished sequences contribute zeros
            var y = [Float](repeating: 0, count: seq * B * H)
            for step in 0..<maxLen {
                let hr = hIn.withUnsafeBufferPointer { product($0, rows: B, k: H, r[d], n: G) }
                for b in 0..<B {
                    guard step < seqLens[b] else {
                        for k in 0..<H { hIn[b * H + k] = 0 }
                        continue
                    }
                    let t = reverse ? seqLens[b] - 1 - step : step
                    let row = (step * B + b) * G
                    for k in 0..<H {
                        func pre(_ gate: Int) -> Float { (xp[row + gate * H + k] + hr[b * G + gate * H + k]) + bias[d][gate * H + k] }
                        let cPrev = c[b * H + k]
                        let ig = f(clipped(pre(0) + pi[k] * cPrev))
                        var fg = f(clipped(pre(2) + pf[k] * cPrev))
                        if inputForget { fg = 1 - ig }
                        let cand = g(clipped(pre(3)))
                        let cNew = cPrev * fg + ig * cand
                        let og = f(clipped(pre(1) + po[k] * cNew))
                        let hNew = og * hAct(cNew)
                        c[b * H + k] = cNew
                        h[b * H + k] = hNew
                        hIn[b * H + k] = hNew
                        y[(t * B + b) * H + k] = hNew
                    }
                }
            }
            ys.append(y); hs.append(h); cs.append(c)
        }
        return try RecurrentSetup.pack(ys: ys, finals: [hs, cs], seq: seq, dirs: dirs, batch: B, hidden: H,
                                       layout: 0, dtype: .float32)
    }
}
