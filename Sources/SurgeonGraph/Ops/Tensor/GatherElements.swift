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
            return [.tensor(try withElementOffsets(data.shape, indices: indices, axis: axis, op: "GatherElements") { flat in
                try data.take(flatIndices: flat, shape: indices.shape)
            })]
        }
    }

    /// For each element of `indices`, the flat offset into a tensor of `shape` it addresses along
    /// `axis` (other coordinates taken from the index element's own position), passed to `body`;
    /// every offset lies inside the tensor (indices out of range throw before `body` runs).
    /// The offsets (and int64 / int32 indices, read in place) take no heap array: they are
    /// as many as the indices (a detection model's box scatter: 300k, 2.4 MB each), and the
    /// heap keeps its largest size, on top of the activations' arena (DECISIONS.md, 2026-11-29
    /// "scratch offsets").
    static func withElementOffsets<R>(_ shape: [Int], indices: Tensor, axis: Int, op: String,
                                      _ body: (UnsafeBufferPointer<Int>) throws -> R) throws -> R {
        let rank = shape.count
        guard indices.rank == rank, axis >= 0, axis < rank else {
            throw TensorError("\(op): indices \(indices.typeDescription) do not fit data \(shapeString(shape))")
        }
        for d in 0..<rank where d != axis && indices.shape[d] > shape[d] {
            throw TensorError("\(op): indices \(indices.typeDescription) exceed data \(shapeString(shape)) on axis \(d)")
        }
        let count = indices.count
        let out = ScratchMemory.allocate(Int.self, count: count)
        defer { ScratchMemory.release(out, count: count) }
        let dstr = contiguousStrides(shape)
        var strides = dstr
        strides[axis] = 0
        let n = shape[axis], step = dstr[axis]
        let iShape = indices.shape, last = rank - 1, width = iShape[last]
        // Row by row along the last axis (the indices are read flat, so contiguous): a row's
        // offset from its outer coordinates (an odometer over them), then per element one
        // multiply-add. Out-of-range indices are noted and reported after the loop (a throwing
        // call and a closure per element had made this most of a 300k-element scatter's time).
        func fill<T: BinaryInteger>(_ p: UnsafePointer<T>) throws {
            guard count > 0, width > 0 else { return }
            let rows = count / width, lastStride = strides[last]
            var outer = StrideOdometer(dims: Array(iShape.dropLast()), strides: Array(strides.dropLast()),
                                       index: [Int](repeating: 0, count: rank - 1), offset: 0)
            var bad = -1
            for r in 0..<rows {
                let row = r &* width, base = outer.offset
                for j in 0..<width {
                    let v = Int(truncatingIfNeeded: p[row &+ j])
                    let w = v < 0 ? v &+ n : v
                    if UInt(bitPattern: w) >= UInt(n) {
                        if bad < 0 { bad = row &+ j }
                        out[row &+ j] = 0
                        continue
                    }
                    out[row &+ j] = base &+ j &* lastStride &+ w &* step
                }
                outer.advance()
            }
            if bad >= 0 { _ = try wrapIndex(Int(truncatingIfNeeded: p[bad]), n, op: op) }
        }
        try withExtendedLifetime(indices) {
            switch indices.dtype {
            case .int64: try fill(try elementPointer(indices, Int64.self))
            case .int32: try fill(try elementPointer(indices, Int32.self))
            default:
                let v = indices.int64Array()
                guard v.count == count else { throw TensorError("\(op): indices \(indices.typeDescription) could not be read") }
                try v.withUnsafeBufferPointer { b in
                    guard let base = b.baseAddress else { return }
                    try fill(base)
                }
            }
        }
        return try body(UnsafeBufferPointer(start: out, count: count))
    }
}
