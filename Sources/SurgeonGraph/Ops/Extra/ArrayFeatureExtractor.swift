import SurgeonTensor

/// ArrayFeatureExtractor (ai.onnx.ml): selects entries of the last axis of X by the flattened
/// indices Y; the output shape is X's shape with the last axis replaced by the index count
/// (a 1-D X gives a [1, n] result, as onnxruntime does).
enum ArrayFeatureExtractor {
    static func register(_ r: inout OpRegistry) {
        r.register("ArrayFeatureExtractor", domain: "ai.onnx.ml", since: 1) { ctx in
            let x = try ctx.tensor(0), y = try ctx.tensor(1)
            guard y.dtype.isInteger else { throw ctx.error("indices must be integers, got \(y.dtype)") }
            guard x.rank >= 1 else { throw ctx.error("X must have at least one dimension") }
            let last = x.shape[x.rank - 1]
            let index = try y.int64Array().map { v -> Int in
                guard v >= 0, v < Int64(last) else { throw ctx.error("index \(v) is out of range 0..<\(last)") }
                return Int(v)
            }
            let rows = x.count / max(last, 1)
            let outShape = x.rank == 1 ? [1, index.count] : Array(x.shape.dropLast()) + [index.count]
            var flat: [Int] = []
            flat.reserveCapacity(rows * index.count)
            if last > 0 {
                for r in 0..<rows { for i in index { flat.append(r * last + i) } }
            }
            return [.tensor(try x.take(flatIndices: flat, shape: outShape))]
        }
    }
}
