import SurgeonTensor

/// MaxUnpool (opset 9, 11): scatters X into a zero tensor at the flat indices I (as produced
/// by MaxPool). The output shape is `output_shape` when given, else the inverse pool extent
/// `(in - 1) * stride + kernel - pads`.
enum MaxUnpool {
    static func register(_ r: inout OpRegistry) {
        r.register("MaxUnpool", since: 9) { ctx in
            let x = try ctx.tensor(0), ind = try ctx.tensor(1)
            guard x.rank >= 3 else { throw ctx.error("X must have rank 3 or more") }
            guard ind.shape == x.shape else { throw ctx.error("I \(ind.typeDescription) must match X \(x.typeDescription)") }
            let r = x.rank - 2
            guard let kernel = try ctx.ints("kernel_shape"), kernel.count == r else { throw ctx.error("needs kernel_shape with \(r) values") }
            let strides = try ctx.ints("strides") ?? Array(repeating: 1, count: r)
            let pads = try ctx.ints("pads") ?? Array(repeating: 0, count: 2 * r)
            guard strides.count == r, pads.count == 2 * r else { throw ctx.error("strides/pads have the wrong length") }
            let inferred = Array(x.shape[0..<2]) + (0..<r).map { (x.shape[$0 + 2] - 1) * strides[$0] + kernel[$0] - pads[$0] - pads[$0 + r] }
            let total = try Tensor.checkedCount(inferred, dtype: x.dtype)
            var flat = [Int](repeating: x.count, count: total)
            for (k, i) in ind.intArray().enumerated() {
                guard i >= 0 && i < total else { throw ctx.error("index \(i) out of range for output \(shapeString(inferred))") }
                flat[i] = k
            }
            // Gather X values (or the zero appended after them).
            let zero = try Tensor(zeros: x.dtype, shape: [1])
            let xz = try Tensor.concat([x.reshaped([x.count]), zero], axis: 0)
            var y = try xz.take(flatIndices: flat, shape: inferred)
            if let os = try ctx.optionalTensor(2) {
                // As the ONNX reference: indices address the inferred shape, which is placed at
                // the origin of the requested output (cropped where that is smaller).
                let outShape = os.intArray()
                guard outShape.count == x.rank else { throw ctx.error("output_shape needs \(x.rank) values") }
                let n = try Tensor.checkedCount(outShape, dtype: x.dtype)
                let inStr = contiguousStrides(inferred)
                var idx = [Int](repeating: total, count: n)
                forEachIndex(outShape) { o, oi in
                    var off = 0
                    for a in 0..<oi.count { if oi[a] >= inferred[a] { return }; off += oi[a] * inStr[a] }
                    idx[o] = off
                }
                let yz = try Tensor.concat([y.reshaped([total]), zero], axis: 0)
                y = try yz.take(flatIndices: idx, shape: outShape)
            }
            return [.tensor(y)]
        }
    }
}
