import SurgeonTensor

/// ArgMax: int64 index of the largest element along `axis` (default 0), `keepdims` (default 1),
/// `select_last_index` (opset 12) picks the last of equal maxima instead of the first.
enum ArgMax {
    static func register(_ r: inout OpRegistry) {
        r.register("ArgMax", since: 1) { ctx in [.tensor(try run(ctx, largest: true))] }
    }

    /// Shared by ArgMax and ArgMin.
    static func run(_ ctx: OpContext, largest: Bool) throws -> Tensor {
        let x = try ctx.tensor(0)
        let axis = try normalizeAxis(try ctx.int("axis", 0), rank: max(x.rank, 1), op: ctx.node.opType)
        let keep = try ctx.int("keepdims", 1) != 0
        let last = try ctx.int("select_last_index", 0) != 0
        let shape = x.rank == 0 ? [1] : x.shape
        let outer = extent(shape, 0, axis), r = shape[axis], inner = extent(shape, axis + 1, shape.count)
        guard r > 0 || outer * inner == 0 else { throw ctx.error("cannot take the index of an empty axis") }
        var outShape = shape
        if keep { outShape[axis] = 1 } else { outShape.remove(at: axis) }
        var out = [Int64](repeating: 0, count: outer * inner)

        func scan<T: Comparable>(_ v: [T], isNaN: (T) -> Bool) {
            for o in 0..<outer {
                for i in 0..<inner {
                    var bestJ = 0
                    var best = v[o * r * inner + i]
                    if isNaN(best) { out[o * inner + i] = 0; continue }
                    for j in 1..<max(r, 1) {
                        let val = v[(o * r + j) * inner + i]
                        if isNaN(val) { bestJ = j; break }  // NaN wins, as in numpy
                        let better = largest ? (last ? val >= best : val > best) : (last ? val <= best : val < best)
                        if better { best = val; bestJ = j }
                    }
                    out[o * inner + i] = Int64(bestJ)
                }
            }
        }

        switch x.dtype.computeClass {
        case .float32, .float64, .reducedFloat: scan(x.doubleArray(), isNaN: { $0.isNaN })
        case .signed, .bool: scan(x.int64Array(), isNaN: { _ in false })
        case .unsigned: scan(x.uint64Array(), isNaN: { _ in false })
        case .string: throw ctx.error("does not support string")
        }
        return try Tensor(shape: outShape, scalars: out)
    }
}
