import SurgeonTensor

/// Squeeze: removes extent-1 axes (the listed ones, or all when none/empty are given). Axes are an attribute before
/// opset 13, an optional input from 13.
enum Squeeze {
    static func register(_ r: inout OpRegistry) {
        r.register("Squeeze", since: 1) { ctx in [.tensor(try squeeze(ctx.tensor(0), axes: try ctx.ints("axes")))] }
        r.register("Squeeze", since: 13) { ctx in [.tensor(try squeeze(ctx.tensor(0), axes: try ctx.optionalInts(1)))] }
    }

    static func squeeze(_ x: Tensor, axes: [Int]?) throws -> Tensor {
        guard let axes, !axes.isEmpty else { return try x.reshaped(x.shape.filter { $0 != 1 }) }
        let drop = Set(try normalizeAxes(axes, rank: x.rank, op: "Squeeze"))
        for a in drop where x.shape[a] != 1 {
            throw TensorError("Squeeze: axis \(a) of \(x.typeDescription) has extent \(x.shape[a]), not 1")
        }
        return try x.reshaped(x.shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element))
    }
}
