import SurgeonTensor

/// GatherElements: `out[i][j][k] = data[index[i][j][k]][j][k]` (for axis 0); indices have the
/// data's rank and the output their shape. Negative indices wrap.
enum GatherElements {
    static func register(_ r: inout OpRegistry) {
        r.register("GatherElements", since: 11) { ctx in
            let data = try ctx.tensor(0), indices = try ctx.tensor(1)
            guard indices.dtype.isInteger else { throw ctx.error("indices must be integers, got \(indices.typeDescription)") }
            guard data.rank >= 1, indices.rank == data.rank else {
                throw ctx.error("indices \(indices.typeDescription) must have the rank of data \(data.typeDescription)")
            }
            let axis = try normalizeAxis(try ctx.int("axis", 0), rank: data.rank, op: "GatherElements")
            let flat = try elementOffsets(data.shape, indices: indices, axis: axis, op: "GatherElements")
            return [.tensor(try data.take(flatIndices: flat, shape: indices.shape))]
        }
    }

    /// For each element of `indices`, the flat offset into a tensor of `shape` it addresses along
    /// `axis` (other coordinates taken from the index element's own position).
    static func elementOffsets(_ shape: [Int], indices: Tensor, axis: Int, op: String) throws -> [Int] {
        let rank = shape.count
        for d in 0..<rank where d != axis && indices.shape[d] > shape[d] {
            throw TensorError("\(op): indices \(indices.typeDescription) exceed data \(shapeString(shape)) on axis \(d)")
        }
        let dstr = contiguousStrides(shape)
        let vals = indices.intArray()
        var out = [Int](repeating: 0, count: vals.count)
        var strides = dstr
        strides[axis] = 0
        let n = shape[axis]
        var err: Error?
        forEachBroadcast(indices.shape, [strides]) { i, off in
            do { out[i] = off[0] + (try wrapIndex(vals[i], n, op: op)) * dstr[axis] } catch { err = error }
        }
        if let err { throw err }
        return out
    }
}
