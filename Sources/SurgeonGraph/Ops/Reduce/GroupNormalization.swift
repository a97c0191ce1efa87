import SurgeonTensor

/// GroupNormalization: input (N, C, ...) normalised per sample over groups of C / num_groups
/// channels, then `scale * y + bias`. Opset 18 has one scale / bias per group; opset 21 one
/// per channel.
enum GroupNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("GroupNormalization", since: 18) { ctx in try run(ctx, perGroup: true) }
        r.register("GroupNormalization", since: 21) { ctx in try run(ctx, perGroup: false) }
    }

    static func run(_ ctx: OpContext, perGroup: Bool) throws -> [Value] {
        guard let groups = try ctx.intIfPresent("num_groups") else { throw ctx.error("needs the num_groups attribute") }
        let y = try groupNormalize(
            ctx.tensor(0), groups: groups, scale: ctx.tensor(1), bias: ctx.tensor(2),
            perGroupAffine: perGroup, epsilon: ctx.float("epsilon", 1e-5), op: "GroupNormalization")
        return [.tensor(y)]
    }
}
