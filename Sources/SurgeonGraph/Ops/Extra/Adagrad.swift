import Foundation
import SurgeonTensor

/// Adagrad (ai.onnx.preview.training): one ADAGRAD step for each (X, G, H) triple, with
/// learning rate R decayed by `1 + T * decay_factor`; outputs all new Xs, then all new Hs.
enum Adagrad {
    static func register(_ r: inout OpRegistry) {
        r.register("Adagrad", domain: ExtraSupport.trainingDomain, since: 1) { ctx in
            let decay = Double(try ctx.float("decay_factor", 0))
            let eps = Double(try ctx.float("epsilon", 0))
            let norm = Double(try ctx.float("norm_coefficient", 0))
            let (r, t, sets) = try ExtraSupport.optimizerInputs(ctx, groups: 3)
            let rate = r / (1 + Double(t) * decay)
            return try ExtraSupport.optimizerStep(sets, outputs: 2) { a in
                let (x, g, h) = (a[0], a[1], a[2])
                let gr = norm * x + g
                let hNew = h + gr * gr
                return [x - rate * gr / (hNew.squareRoot() + eps), hNew]
            }
        }
    }
}
