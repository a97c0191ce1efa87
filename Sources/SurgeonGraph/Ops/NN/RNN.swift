import SurgeonTensor

/// RNN (opset 1, 7, 14, 22): `H_t = f(X_t·Wᵀ + H_{t-1}·Rᵀ + Wb + Rb)` (default f = Tanh),
/// forward / reverse / bidirectional, sequence_lens, initial_h, clip, layout.
enum RNN {
    static func register(_ r: inout OpRegistry) {
        r.register("RNN", since: 1) { ctx in
            let s = try RecurrentSetup(ctx: ctx, gates: 1, defaultActs: ["Tanh"])
            let B = s.batch, H = s.hidden
            var ys: [[Float]] = [], finals: [[Float]] = []
            for d in 0..<s.dirs {
                let xp = s.inputProjection(d, gates: 1)
                let rb = Array(s.b[d][H...])
                let f = s.acts[d][0]
                var h = s.h0[d]
                var y = [Float](repeating: 0, count: s.seq * B * H)
                for step in 0..<s.seq {
                    let hr = s.recurrent(d, h, rowStart: 0, rows: H)
                    for b in 0..<B where step < s.seqLens[b] {
                        let t = s.isReverse(d) ? s.seqLens[b] - 1 - step : step
                        for k in 0..<H {
                            let v = f(s.clipped(xp[(t * B + b) * H + k] + hr[b * H + k] + rb[k]))
                            h[b * H + k] = v
                            y[(t * B + b) * H + k] = v
                        }
                    }
                }
                ys.append(y); finals.append(h)
            }
            return try s.outputs(ys: ys, finals: [finals])
        }
    }
}
