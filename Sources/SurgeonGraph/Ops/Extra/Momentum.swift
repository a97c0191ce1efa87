import SurgeonTensor

/// Momentum (ai.onnx.preview.training): SGD with momentum (`mode` "standard" or "nesterov")
/// for each (X, G, V); the gradient coefficient is 1 on the first step (T == 0).
/// Outputs new Xs, then new Vs.
enum Momentum {
    static func register(_ r: inout OpRegistry) {
        r.register("Momentum", domain: ExtraSupport.trainingDomain, since: 1) { ctx in
            let alpha = Double(try ctx.float("alpha", 0))
            let beta = Double(try ctx.float("beta", 0))
            let norm = Double(try ctx.float("norm_coefficient", 0))
            let mode = try ctx.string("mode", "standard")
            guard mode == "standard" || mode == "nesterov" else { throw ctx.error("unknown mode '\(mode)'") }
            let (r, t, sets) = try ExtraSupport.optimizerInputs(ctx, groups: 3)
            let b = t > 0 ? beta : 1
            let nesterov = mode == "nesterov"
            return try ExtraSupport.optimizerStep(sets, outputs: 2) { a in
                let (x, g, v) = (a[0], a[1], a[2])
                let gr = norm * x + g
                let vNew = alpha * v + b * gr
                return [nesterov ? x - r * (gr + alpha * vNew) : x - r * vNew, vNew]
            }
        }
    }
}
