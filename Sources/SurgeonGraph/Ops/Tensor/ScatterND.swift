import SurgeonTensor

/// ScatterND: a copy of data where each index tuple (indices' last axis, length k) selects a
/// slice `data[i0, ..., ik-1]` that the matching slice of `updates` replaces or is combined
/// with (`reduction` none, add, mul from opset 16; max, min from 18). Negative indices wrap.
enum ScatterND {
    static func register(_ r: inout OpRegistry) {
        r.register("ScatterND", since: 11) { ctx in
            let data = try ctx.tensor(0), indices = try ctx.tensor(1), updates = try ctx.tensor(2)
            let (targets, expected) = try GatherND.ndOffsets(data.shape, indices: indices, batchDims: 0, op: "ScatterND")
            guard updates.shape == expected else {
                throw ctx.error("updates \(updates.typeDescription) should have shape \(shapeString(expected))")
            }
            return [.tensor(try ScatterElements.scatter(
                data, targets: targets, updates: updates, reduction: try ctx.string("reduction", "none"), op: "ScatterND"))]
        }
    }
}
