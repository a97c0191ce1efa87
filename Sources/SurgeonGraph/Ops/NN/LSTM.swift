import SurgeonTensor

/// LSTM (opset 1, 7, 14, 22): gates i, o, f, c with f = Sigmoid, g = h = Tanh by default;
/// peepholes P, input_forget, forward / reverse / bidirectional, sequence_lens, initial_h/c,
/// clip, layout. Outputs Y, Y_h, Y_c.
enum LSTM {
    static func register(_ r: inout OpRegistry) {
        r.register("LSTM", since: 1) { ctx in try fast(ctx) ?? plain(ctx) }
    }

    /// The reference kernel: any float type, one step and one element at a time.
    static func plain(_ ctx: OpContext) throws -> [Value] {
        let s = try RecurrentSetup(ctx: ctx, gates: 4, defaultActs: ["Sigmoid", "Tanh", "Tanh"])
        let B = s.batch, H = s.hidden, G = 4 * H
        let c0 = try RecurrentSetup.state(ctx, 6, dirs: s.dirs, batch: B, hidden: H, layout: s.layout)
        let peep = try peepholes(ctx, dirs: s.dirs, hidden: H) ?? Array(repeating: Array(repeating: 0, count: 3 * H), count: s.dirs)
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

    /// Peepholes P per direction (`[3*hidden]`: i, o, f), nil when absent.
    static func peepholes(_ ctx: OpContext, dirs: Int, hidden H: Int) throws -> [[Float]]? {
        guard let p = try ctx.optionalTensor(7) else { return nil }
        guard p.shape == [dirs, 3 * H] else { throw ctx.error("P \(p.typeDescription) should be \(shapeString([dirs, 3 * H]))") }
        let v = p.floatArray()
        return (0..<dirs).map { Array(v[($0 * 3 * H)..<(($0 + 1) * 3 * H)]) }
    }

    /// The float32 kernel (every attribute): X·Wᵀ of all steps in one product, per step one
    /// product for H·Rᵀ (on W and R packed once when the plan gives `packed`) and the gates;
    /// nil for other float types. Without peepholes and input_forget the gates go in passes
    /// over whole rows (pre-activations, then each activation over its gates' run of values:
    /// the C vector kernels for Sigmoid / Tanh); with them, in one SIMD8 pass. `actLevel`
    /// (tests) caps the activations' vector kernel level.
    static func fast(_ ctx: OpContext, packed: RecurrentPacked? = nil, actLevel: Int = VectorMath.level) throws -> [Value]? {
        let sh = try RecurrentShape(ctx: ctx, gates: 4)
        guard let run = try RecurrentFastRun(sh, gates: 4, finalStates: 2, packed: packed) else { return nil }
        let B = sh.batch, H = sh.hidden, G = 4 * H
        let h0 = try RecurrentSetup.state(ctx, 5, dirs: sh.dirs, batch: B, hidden: H, layout: sh.layout)
        let c0 = try RecurrentSetup.state(ctx, 6, dirs: sh.dirs, batch: B, hidden: H, layout: sh.layout)
        let peep = try peepholes(ctx, dirs: sh.dirs, hidden: H)
        let inputForget = try ctx.int("input_forget", 0) != 0
        let acts = try RecurrentAct.list(ctx, dirs: sh.dirs, defaultActs: ["Sigmoid", "Tanh", "Tanh"])
        let clip = sh.clip, ld = run.ld, xw = run.xw, yp = run.yp
        if peep == nil && !inputForget {
            run.forEachDirection(costPerDirection: sh.seq * B * G * H) { d in
                let f = acts[d][0], g = acts[d][1], hAct = acts[d][2]
                let bias = run.buffer(run.biasSum(d, count: G))
                let h = run.buffer(h0[d]), c = run.buffer(c0[d]), hr = run.buffer(count: B * G), tc = run.buffer(count: H)
                for step in 0..<sh.seq {
                    run.recurrent(d, h, rowStart: 0, rows: G, hr)
                    for b in 0..<B {
                        guard let t = run.time(d, b, step: step) else { continue }
                        let xr = xw + run.xRow(t, b) * ld + d * G, hrb = hr + b * G
                        let cb = c + b * H, hb = h + b * H, yb = yp + run.yOffset(t, d, b)
                        // Pre-activations of i, o, f, c in place of H·Rᵀ, then f over i, o, f and g over c.
                        var k = 0
                        while k < G {
                            let n = min(8, G - k)
                            storeF8(clipF8(loadF8(xr + k, n) + loadF8(hrb + k, n) + loadF8(bias + k, n), clip), hrb + k, n)
                            k += 8
                        }
                        f.applyInPlace(hrb, 3 * H, level: actLevel)
                        g.applyInPlace(hrb + 3 * H, H, level: actLevel)
                        k = 0
                        while k < H {
                            let n = min(8, H - k)
                            let cNew = loadF8(hrb + 2 * H + k, n) * loadF8(cb + k, n) + loadF8(hrb + k, n) * loadF8(hrb + 3 * H + k, n)
                            storeF8(cNew, cb + k, n)
                            storeF8(cNew, tc + k, n)
                            k += 8
                        }
                        hAct.applyInPlace(tc, H, level: actLevel)
                        k = 0
                        while k < H {
                            let n = min(8, H - k)
                            let hNew = loadF8(hrb + H + k, n) * loadF8(tc + k, n)
                            storeF8(hNew, hb + k, n)
                            storeF8(hNew, yb + k, n)
                            k += 8
                        }
                    }
                }
                run.storeFinal(0, d, h)
                run.storeFinal(1, d, c)
            }
            return run.outputs
        }
        run.forEachDirection(costPerDirection: sh.seq * B * G * H) { d in
            let f = acts[d][0], g = acts[d][1], hAct = acts[d][2]
            let bias = run.buffer(run.biasSum(d, count: G))
            let p = peep.map { run.buffer($0[d]) }
            let h = run.buffer(h0[d]), c = run.buffer(c0[d]), hr = run.buffer(count: B * G)
            for step in 0..<sh.seq {
                run.recurrent(d, h, rowStart: 0, rows: G, hr)
                for b in 0..<B {
                    guard let t = run.time(d, b, step: step) else { continue }
                    let xr = xw + run.xRow(t, b) * ld + d * G, hrb = hr + b * G
                    let cb = c + b * H, hb = h + b * H, yb = yp + run.yOffset(t, d, b)
                    var k = 0
                    while k < H {
                        let n = min(8, H - k)
                        @inline(__always) func pre(_ gate: Int) -> SIMD8<Float> {
                            let o = gate * H + k
                            return loadF8(xr + o, n) + loadF8(hrb + o, n) + loadF8(bias + o, n)
                        }
                        let cPrev = loadF8(cb + k, n)
                        var iPre = pre(0), fPre = pre(2), oPre = pre(1)
                        if let p {
                            iPre += loadF8(p + k, n) * cPrev
                            fPre += loadF8(p + 2 * H + k, n) * cPrev
                        }
                        let ig = f(clipF8(iPre, clip))
                        let fg = inputForget ? 1 - ig : f(clipF8(fPre, clip))
                        let cNew = fg * cPrev + ig * g(clipF8(pre(3), clip))
                        if let p { oPre += loadF8(p + H + k, n) * cNew }
                        let hNew = f(clipF8(oPre, clip)) * hAct(cNew)
                        storeF8(cNew, cb + k, n)
                        storeF8(hNew, hb + k, n)
                        storeF8(hNew, yb + k, n)
                        k += 8
                    }
                }
            }
            run.storeFinal(0, d, h)
            run.storeFinal(1, d, c)
        }
        return run.outputs
    }
}
