import SurgeonTensor

/// GRU (opset 1, 3, 7, 14, 22): gates z, r, h with f = Sigmoid, g = Tanh by default;
/// linear_before_reset, forward / reverse / bidirectional, sequence_lens, initial_h, clip, layout.
enum GRU {
    static func register(_ r: inout OpRegistry) {
        r.register("GRU", since: 1) { ctx in
            let s = try RecurrentSetup(ctx: ctx, gates: 3, defaultActs: ["Sigmoid", "Tanh"])
            let lbr = try ctx.int("linear_before_reset", 0) != 0
            let B = s.batch, H = s.hidden, G = 3 * H
            var ys: [[Float]] = [], finals: [[Float]] = []
            for d in 0..<s.dirs {
                let xp = s.inputProjection(d, gates: 3)
                let rb = Array(s.b[d][G...])
                let f = s.acts[d][0], g = s.acts[d][1]
                var h = s.h0[d]
                var y = [Float](repeating: 0, count: s.seq * B * H)
                for step in 0..<s.seq {
                    let hr = s.recurrent(d, h, rowStart: 0, rows: G)
                    var z = [Float](repeating: 0, count: B * H), rg = z
                    for b in 0..<B where step < s.seqLens[b] {
                        let t = s.isReverse(d) ? s.seqLens[b] - 1 - step : step
                        let row = (t * B + b) * G
                        for k in 0..<H {
                            z[b * H + k] = f(s.clipped(xp[row + k] + hr[b * G + k] + rb[k]))
                            rg[b * H + k] = f(s.clipped(xp[row + H + k] + hr[b * G + H + k] + rb[H + k]))
                        }
                    }
                    // (r ⊙ H)·Rhᵀ when the reset gate applies before the linear map.
                    var rh: [Float] = []
                    if !lbr {
                        var masked = h
                        for i in 0..<masked.count { masked[i] *= rg[i] }
                        rh = s.recurrent(d, masked, rowStart: 2 * H, rows: H)
                    }
                    for b in 0..<B where step < s.seqLens[b] {
                        let t = s.isReverse(d) ? s.seqLens[b] - 1 - step : step
                        let row = (t * B + b) * G
                        for k in 0..<H {
                            let pre: Float
                            if lbr {
                                pre = xp[row + 2 * H + k] + rg[b * H + k] * (hr[b * G + 2 * H + k] + rb[2 * H + k])
                            } else {
                                pre = xp[row + 2 * H + k] + rh[b * H + k] + rb[2 * H + k]
                            }
                            let cand = g(s.clipped(pre))
                            let zz = z[b * H + k]
                            let v = (1 - zz) * cand + zz * h[b * H + k]
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
