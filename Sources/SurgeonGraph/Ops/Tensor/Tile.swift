import SurgeonTensor

/// Tile: repeats the input `repeats[d]` times along each axis d (opset 6 on; opset 1 took a
/// single `tiles` count and an `axis` input).
enum Tile {
    static func register(_ r: inout OpRegistry) {
        r.register("Tile", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard let tiles = try ctx.optionalScalarInt(1), let axisV = try ctx.optionalScalarInt(2) else {
                throw ctx.error("needs inputs tiles and axis")
            }
            let axis = try normalizeAxis(axisV, rank: x.rank, op: "Tile")
            var reps = Array(repeating: 1, count: x.rank)
            reps[axis] = tiles
            return [.tensor(try tile(x, reps))]
        }
        r.register("Tile", since: 6) { ctx in [.tensor(try tile(ctx.tensor(0), try ctx.requiredInts(1)))] }
    }

    static func tile(_ x: Tensor, _ reps: [Int]) throws -> Tensor {
        guard reps.count == x.rank else { throw TensorError("Tile: \(reps.count) repeats for \(x.typeDescription)") }
        guard reps.allSatisfy({ $0 >= 0 }) else { throw TensorError("Tile: negative repeats \(reps)") }
        // View as [r0, d0, r1, d1, ...] with stride 0 on the repeat axes, then merge pairs.
        let st = x.strides
        var shape: [Int] = [], strides: [Int] = []
        for d in 0..<x.rank {
            shape += [reps[d], x.shape[d]]
            strides += [0, st[d]]
        }
        var out: [Int] = []
        for (r, d) in zip(reps, x.shape) {
            let (m, o) = r.multipliedReportingOverflow(by: d)
            guard !o else { throw TensorError("Tile: repeats \(reps) are too large") }
            out.append(m)
        }
        _ = try Tensor.checkedCount(out, dtype: x.dtype)
        return try stridedCopy(x, shape: shape, strides: strides, offset: 0).reshaped(out)
    }
}
