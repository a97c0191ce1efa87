import SurgeonTensor

/// HardSwish: `x * max(0, min(1, x / 6 + 0.5))`.
enum HardSwish {
    static func register(_ r: inout OpRegistry) {
        r.register("HardSwish", since: 14) { ctx in
            [.tensor(try unaryFloat(
                ctx.tensor(0), "HardSwish",
                { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }, { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }))]
        }
    }
}
