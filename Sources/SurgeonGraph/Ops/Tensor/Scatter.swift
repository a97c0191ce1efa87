import SurgeonTensor

/// Scatter (opset 9-10, deprecated): ScatterElements without reduction.
enum Scatter {
    static func register(_ r: inout OpRegistry) {
        r.register("Scatter", since: 9) { ctx in [.tensor(try ScatterElements.run(ctx, op: "Scatter"))] }
    }
}
