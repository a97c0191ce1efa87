import SurgeonTensor

/// InstanceNormalization: input (N, C, ...) normalised per sample and channel over the
/// spatial axes, then `scale[c] * y + B[c]`.
enum InstanceNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("InstanceNormalization", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.rank >= 2 else { throw ctx.error("needs an input of rank 2 or more, got \(x.typeDescription)") }
            let y = try groupNormalize(
                x, groups: x.shape[1], scale: ctx.tensor(1), bias: ctx.tensor(2),
                perGroupAffine: false, epsilon: ctx.float("epsilon", 1e-5), op: "InstanceNormalization")
            return [.tensor(y)]
        }
    }
}
