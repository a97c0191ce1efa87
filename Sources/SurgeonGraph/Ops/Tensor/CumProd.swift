import SurgeonTensor

/// CumProd (opset 26): running product along the axis in input 1, with `exclusive` and `reverse`
/// as in CumSum.
enum CumProd {
    static func register(_ r: inout OpRegistry) {
        r.register("CumProd", since: 26) { ctx in [.tensor(try CumSum.cumulative(ctx, op: "CumProd", product: true))] }
    }
}
