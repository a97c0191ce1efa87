import Foundation
import SurgeonTensor

/// Adam (ai.onnx.preview.training): one Adam step for each (X, G, V, H), with bias correction
/// when T > 0 and optional post-update decay; outputs new Xs, then Vs, then Hs.
enum Adam {
    static func register(_ r: inout OpRegistry) {
        r.register("Adam", domain: ExtraSupport.trainingDomain, since: 1) { ctx in
            let alpha = Double(try ctx.float("alpha", 0.9))
            let beta = Double(try ctx.float("beta", 0.999))
            let eps = Double(try ctx.float("epsilon", 0))
            let norm = Double(try ctx.float("norm_coefficient", 0))
            let post = Double(try ctx.float("norm_coefficient_post", 0))
            let (r, t, sets) = try ExtraSupport.optimizerInputs(ctx, groups: 4)
            let rate = t > 0 ? r * (1 - pow(beta, Double(t))).squareRoot() / (1 - pow(alpha, Double(t))) : r
            return try ExtraSupport.optimizerStep(sets, outputs: 3) { a in
                let (x, g, v, h) = (a[0], a[1], a[2], a[3])
                let gr = norm * x + g
                let vNew = alpha * v + (1 - alpha) * gr
                let hNew = beta * h + (1 - beta) * gr * gr
                let xNew = x - rate * vNew / (hNew.squareRoot() + eps)
                return [(1 - post) * xNew, vNew, hNew]
            }
        }
    }
}
