import SurgeonTensor

/// RNN (opset 1, 7, 14, 22): `H_t = f(X_t·Wᵀ + H_{t-1}·Rᵀ + Wb + Rb)` (default f = Tanh),
/// forward / reverse / bidirectional, sequence_lens, initial_h, clip, layout.
enum RNN {
    static func register(_ r: inout OpRegistry) {
        r.register("RNN", since: 1) { ctx in try fast(ctx) ?? plain(ctx) }
    }

    /// The reference kernel: any float type, one step and one element at a time.
    static func plain(_ ctx: OpContext) throws -> [Value] {
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

    /// The float32 kernel (every attribute): X·Wᵀ of all steps in one sgemm, per step one
    /// sgemm for H·Rᵀ and one SIMD pass; nil for other float types.
    static func fast(_ ctx: OpContext, packed: RecurrentPacked? = nil) throws -> [Value]? {
        let sh = try RecurrentShape(ctx: ctx, gates: 1)
        guard let run = try RecurrentFastRun(sh, gates: 1, finalStates: 1, packed: packed) else { return nil }
        let B = sh.batch, H = sh.hidden
        let h0 = try RecurrentSetup.state(ctx, 5, dirs: sh.dirs, batch: B, hidden: H, layout: sh.layout)
        let acts = try RecurrentAct.list(ctx, dirs: sh.dirs, defaultActs: ["Tanh"])
        let clip = sh.clip, ld = run.ld, xw = run.xw, yp = run.yp
        run.forEachDirection(costPerDirection: sh.seq * B * H * H) { d in
            let f = acts[d][0]
            let bias = run.buffer(run.biasSum(d, count: H))
            let h = run.buffer(h0[d]), hr = run.buffer(count: B * H)
            for step in 0..<sh.seq {
                run.recurrent(d, h, rowStart: 0, rows: H, hr)
                for b in 0..<B {
                    guard let t = run.time(d, b, step: step) else { continue }
                    let xr = xw + run.xRow(t, b) * ld + d * H, hrb = hr + b * H
                    let hb = h + b * H, yb = yp + run.yOffset(t, d, b)
                    var k = 0
                    while k < H {
                        let n = min(8, H - k)
                        let v = f(clipF8(loadF8(xr + k, n) + loadF8(hrb + k, n) + loadF8(bias + k, n), clip))
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
