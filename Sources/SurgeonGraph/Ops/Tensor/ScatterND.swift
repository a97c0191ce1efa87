import SurgeonTensor

/// ScatterND: a copy of data where each index tuple (indices' last axis, length k) selects a
/// slice `data[i0, ..., ik-1]` that the matching slice of `updates` replaces or is combined
/// with (`reduction` none, add, mul from opset 16; max, min from 18). Negative indices wrap.
enum ScatterND {
    static func register(_ r: inout OpRegistry) {
        r.register("ScatterND", since: 11) { ctx in
            let data = try ctx.tensor(0), indices = try ctx.tensor(1), updates = try ctx.tensor(2)
            let reduction = try ctx.string("reduction", "none")
            if let y = try ScatterNDSlices.scatter(data, indices: indices, updates: updates, reduction: reduction) {
                return [.tensor(y)]
            }
            return [.tensor(try plain(data, indices: indices, updates: updates, reduction: reduction))]
        }
    }

    /// The plain kernel: one flat offset per updated element (ScatterNDSlices is its fast path
    /// for `none`).
    static func plain(_ data: Tensor, indices: Tensor, updates: Tensor, reduction: String) throws -> Tensor {
        let (targets, expected) = try GatherND.ndOffsets(data.shape, indices: indices, batchDims: 0, op: "ScatterND")
        guard updates.shape == expected else {
            throw TensorError("ScatterND: updates \(updates.typeDescription) should have shape \(shapeString(expected))")
        }
        return try ScatterElements.scatter(data, targets: targets, updates: updates, reduction: reduction, op: "ScatterND")
    }
}
