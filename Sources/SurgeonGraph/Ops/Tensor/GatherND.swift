import SurgeonTensor

/// GatherND: indices' last axis (length k) addresses the first k axes after the `batch_dims`
/// leading batch axes; output shape `data.shape[..<b] + indices.shape[b..<q-1] + data.shape[b+k...]`.
enum GatherND {
    static func register(_ r: inout OpRegistry) {
        r.register("GatherND", since: 11) { ctx in
            let data = try ctx.tensor(0), indices = try ctx.tensor(1)
            let b = try ctx.int("batch_dims", 0)
            let (flat, outShape) = try ndOffsets(data.shape, indices: indices, batchDims: b, op: "GatherND")
            return [.tensor(try data.take(flatIndices: flat, shape: outShape))]
        }
    }

    /// Flat offsets into `shape` for every element the gathered output holds, and that shape.
    static func ndOffsets(_ shape: [Int], indices: Tensor, batchDims b: Int, op: String) throws -> ([Int], [Int]) {
        guard indices.dtype.isInteger else { throw TensorError("\(op): indices must be integers, got \(indices.typeDescription)") }
        let r = shape.count, q = indices.rank
        guard q >= 1, r >= 1, b >= 0, b < min(q, r) else {
            throw TensorError("\(op): batch_dims \(b) does not fit data rank \(r) and indices rank \(q)")
        }
        guard Array(indices.shape[..<b]) == Array(shape[..<b]) else {
            throw TensorError("\(op): batch dimensions of indices \(indices.typeDescription) and data \(shapeString(shape)) differ")
        }
        let k = indices.shape[q - 1]
        guard k >= 1 && k <= r - b else { throw TensorError("\(op): index tuples of length \(k) for data rank \(r) with batch_dims \(b)") }
        let sliceShape = Array(shape[(b + k)...])
        let sliceSize = product(sliceShape)
        let outShape = Array(shape[..<b]) + Array(indices.shape[b..<(q - 1)]) + sliceShape
        _ = try Tensor.checkedCount(outShape, dtype: .int64)
        let dstr = contiguousStrides(shape)
        let vals = indices.intArray()
        let batch = product(shape[..<b])
        let tuplesPerBatch = batch == 0 ? 0 : vals.count / k / batch
        let batchStride = product(shape[b...])
        var out: [Int] = []
        out.reserveCapacity(batch * tuplesPerBatch * sliceSize)
        for bi in 0..<batch {
            for t in 0..<tuplesPerBatch {
                var off = bi * batchStride
                let base = (bi * tuplesPerBatch + t) * k
                for j in 0..<k {
                    off += try wrapIndex(vals[base + j], shape[b + j], op: op) * dstr[b + j]
                }
                for s in 0..<sliceSize { out.append(off + s) }
            }
        }
        return (out, outShape)
    }
}
