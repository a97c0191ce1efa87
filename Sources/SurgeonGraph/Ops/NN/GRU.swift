import SurgeonTensor

/// GRU (opset 1, 3, 7, 14, 22): gates z, r, h with f = Sigmoid, g = Tanh by default;
/// linear_before_reset, forward / reverse / bidirectional, sequence_lens, initial_h, clip, layout.
enum GRU {
    static func register(_ r: inout OpRegistry) {
        r.register("GRU", since: 1) { ctx in try fast(ctx) ?? plain(ctx) }
    }

    /// The reference kernel: any float type, one step and one element at a time.
    static func plain(_ ctx: OpContext) throws -> [Value] {
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

    /// The float32 kernel (every attribute): X·Wᵀ of all steps in one sgemm, per step one
    /// sgemm for H·Rᵀ (two when the reset gate applies before the linear map) and SIMD passes
    /// over the gates; nil for other float types.
    static func fast(_ ctx: OpContext, packed: RecurrentPacked? = nil) throws -> [Value]? {
        let sh = try RecurrentShape(ctx: ctx, gates: 3)
        guard let run = try RecurrentFastRun(sh, gates: 3, finalStates: 1, packed: packed) else { return nil }
        let lbr = try ctx.int("linear_before_reset", 0) != 0
        let B = sh.batch, H = sh.hidden, G = 3 * H
        let h0 = try RecurrentSetup.state(ctx, 5, dirs: sh.dirs, batch: B, hidden: H, layout: sh.layout)
        let acts = try RecurrentAct.list(ctx, dirs: sh.dirs, defaultActs: ["Sigmoid", "Tanh"])
        let clip = sh.clip, ld = run.ld, xw = run.xw, yp = run.yp
        run.forEachDirection(costPerDirection: sh.seq * B * G * H) { d in
            let f = acts[d][0], g = acts[d][1]
            // z and r: Wb + Rb; the candidate keeps Wb and Rb apart (Rb is inside r ⊙ (...) under lbr).
            let bias = run.buffer(run.biasSum(d, count: 2 * H) + Array(sh.b[d][(2 * H)..<G]) + Array(sh.b[d][(G + 2 * H)...]))
            let h = run.buffer(h0[d]), hr = run.buffer(count: B * G)
            // Without lbr: z, then r ⊙ H, then (r ⊙ H)·Rhᵀ.
            let z = run.buffer(count: B * H), masked = run.buffer(count: B * H), rh = run.buffer(count: B * H)
            for step in 0..<sh.seq {
                if lbr {
                    run.recurrent(d, h, rowStart: 0, rows: G, hr)
                } else {
                    run.recurrent(d, h, rowStart: 0, rows: 2 * H, hr)
                }
                let ldr = lbr ? G : 2 * H
                for b in 0..<B {
                    guard let t = run.time(d, b, step: step) else {
                        // The plain kernel's r is 0 there: (r ⊙ H) row 0.
                        if !lbr { (masked + b * H).update(repeating: 0, count: H) }
                        continue
                    }
                    let xr = xw + run.xRow(t, b) * ld + d * G, hrb = hr + b * ldr
                    let hb = h + b * H, yb = yp + run.yOffset(t, d, b)
                    var k = 0
                    while k < H {
                        let n = min(8, H - k)
                        let zg = f(clipF8(loadF8(xr + k, n) + loadF8(hrb + k, n) + loadF8(bias + k, n), clip))
                        let rg = f(clipF8(loadF8(xr + H + k, n) + loadF8(hrb + H + k, n) + loadF8(bias + H + k, n), clip))
                        let hPrev = loadF8(hb + k, n)
                        if lbr {
                            let pre = loadF8(xr + 2 * H + k, n) + loadF8(bias + 2 * H + k, n)
                                + rg * (loadF8(hrb + 2 * H + k, n) + loadF8(bias + 3 * H + k, n))
                            let cand = g(clipF8(pre, clip))
                            let v = (1 - zg) * cand + zg * hPrev
                            storeF8(v, hb + k, n)
                            storeF8(v, yb + k, n)
                        } else {
                            storeF8(zg, z + b * H + k, n)
                            storeF8(hPrev * rg, masked + b * H + k, n)
                        }
                        k += 8
                    }
                }
                if lbr { continue }
                run.recurrent(d, masked, rowStart: 2 * H, rows: H, rh)
                for b in 0..<B {
                    guard let t = run.time(d, b, step: step) else { continue }
                    let xr = xw + run.xRow(t, b) * ld + d * G
                    let hb = h + b * H, yb = yp + run.yOffset(t, d, b)
                    var k = 0
                    while k < H {
                        let n = min(8, H - k)
                        let pre = loadF8(xr + 2 * H + k, n) + loadF8(bias + 2 * H + k, n)
                            + loadF8(rh + b * H + k, n) + loadF8(bias + 3 * H + k, n)
                        let cand = g(clipF8(pre, clip))
                        let zg = loadF8(z + b * H + k, n)
                        let v = (1 - zg) * cand + zg * loadF8(hb + k, n)
                        storeF8(v, hb + k, n)
                        storeF8(v, yb + k, n)
                        k += 8
                    }
                }
            }
            run.storeFinal(0, d, h)
        }
        return run.outputs
    }
}
