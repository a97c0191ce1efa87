import SurgeonTensor

/// NonZero: int64 `[rank, count]` coordinates of the non-zero (true, non-empty) elements in
/// row-major order; a scalar is treated as one-element 1-D.
enum NonZero {
    static func register(_ r: inout OpRegistry) {
        r.register("NonZero", since: 9) { ctx in
            let x = try ctx.tensor(0)
            let shape = x.rank == 0 ? [1] : x.shape
            let flags = x.boolArray()
            let hits = flags.indices.filter { flags[$0] }
            let strides = contiguousStrides(shape)
            var out = [Int64](repeating: 0, count: shape.count * hits.count)
            for (j, f) in hits.enumerated() {
                for d in 0..<shape.count { out[d * hits.count + j] = Int64((f / strides[d]) % shape[d]) }
            }
            return [.tensor(try Tensor(shape: [shape.count, hits.count], scalars: out))]
        }
    }
}
