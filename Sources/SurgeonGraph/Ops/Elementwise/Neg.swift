import SurgeonTensor

/// Neg: elementwise negation of a float or signed integer tensor (integers wrap).
enum Neg {
    static func register(_ r: inout OpRegistry) {
        r.register("Neg", since: 1) { ctx in
            [.tensor(try unaryNumeric(
                ctx.tensor(0), "Neg", float: { -$0 }, double: { -$0 }, int: { 0 &- $0 }, uint: nil))]
        }
    }
}
