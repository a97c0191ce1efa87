import SurgeonTensor

/// LSTM (opset 1, 7, 14, 22): gates i, o, f, c with f = Sigmoid, g = h = Tanh by default;
/// peepholes P, input_forget, forward / reverse / bidirectional, sequence_lens, initial_h/c,
/// clip, layout. Outputs Y, Y_h, Y_c.
enum LSTM {
    static func register(_ r: inout OpRegistry) {
        r.register("LSTM", since: 1) { ctx in
            let s = try RecurrentSetup(ctx: ctx, gates: 4, defaultActs: ["Sigmoid", "Tanh", "Tanh"])
            let B = s.batch, H = s.hidden, G = 4 * H
            let c0 = try RecurrentSetup.state(ctx, 6, dirs: s.dirs, batch: B, hidden: H, layout: s.layout)
            var peep: [[Float]] = Array(repeating: Array(repeating: 0, count: 3 * H), count: s.dirs)
            if let p = try ctx.optionalTensor(7) {
                guard p.shape == [s.dirs, 3 * H] else { throw ctx.error("P \(p.typeDescription) should be \(shapeString([s.dirs, 3 * H]))") }
                let v = p.floatArray()
                peep = (0..<s.dirs).map { Array(v[($0 * 3 * H)..<(($0 + 1) * 3 * H)]) }
            }
            let inputForget = try ctx.int("input_forget", 0) != 0
            var ys: [[Float]] = [], hs: [[Float]] = [], cs: [[Float]] = []
            for d in 0..<s.dirs {
                let xp = s.inputProjection(d, gates: 4)
                let rb = Array(s.b[d][G...])
                let f = s.acts[d][0], g = s.acts[d][1], hAct = s.acts[d][2]
                let pi = Array(peep[d][0..<H]), po = Array(peep[d][H..<(2 * H)]), pf = Array(peep[d][(2 * H)...])
                var h = s.h0[d], c = c0[d]
                var y = [Float](repeating: 0, count: s.seq * B * H)
                for step in 0..<s.seq {
                    let hr = s.recurrent(d, h, rowStart: 0, rows: G)
                    for b in 0..<B where step < s.seqLens[b] {
                        let t = s.isReverse(d) ? s.seqLens[b] - 1 - step : step
                        let row = (t * B + b) * G
                        for k in 0..<H {
                            func pre(_ gate: Int) -> Float { xp[row + gate * H + k] + hr[b * G + gate * H + k] + rb[gate * H + k] }
                            let cPrev = c[b * H + k]
                            let ig = f(s.clipped(pre(0) + pi[k] * cPrev))
                            var fg = f(s.clipped(pre(2) + pf[k] * cPrev))
                            if inputForget { fg = 1 - ig }
                            let cand = g(s.clipped(pre(3)))
                            let cNew = fg * cPrev + ig * cand
                            let og = f(s.clipped(pre(1) + po[k] * cNew))
                            let hNew = og * hAct(cNew)
                            c[b * H + k] = cNew
                            h[b * H + k] = hNew
                            y[(t * B + b) * H + k] = hNew
                        }
                    }
                }
                ys.append(y); hs.append(h); cs.append(c)
            }
            return try s.outputs(ys: ys, finals: [hs, cs])
        }
    }
}
