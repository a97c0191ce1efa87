import SurgeonTensor

/// Reshape: the target shape is attribute `shape` before opset 5 and input 1 after. A 0 copies
/// the input's extent at that position (unless `allowzero`, opset 14), one -1 is inferred.
enum Reshape {
    static func register(_ r: inout OpRegistry) {
        r.register("Reshape", since: 1) { ctx in
            [.tensor(try reshape(ctx.tensor(0), to: try ctx.ints("shape") ?? [], allowZero: false, op: "Reshape"))]
        }
        r.register("Reshape", since: 5) { ctx in
            let shape = try ctx.requiredInts(1)
            let allowZero = try ctx.int("allowzero", 0) != 0
            return [.tensor(try reshape(ctx.tensor(0), to: shape, allowZero: allowZero, op: "Reshape"))]
        }
    }

    static func reshape(_ x: Tensor, to spec: [Int], allowZero: Bool, op: String) throws -> Tensor {
        var shape = spec
        var inferAt: Int?
        for (i, d) in spec.enumerated() {
            if d == -1 {
                guard inferAt == nil else { throw TensorError("\(op): more than one -1 in shape \(spec)") }
                inferAt = i
            } else if d == 0 && !allowZero {
                guard i < x.rank else { throw TensorError("\(op): 0 at position \(i) but the input has rank \(x.rank)") }
                shape[i] = x.shape[i]
            } else if d < 0 {
                throw TensorError("\(op): invalid dimension \(d) in shape \(spec)")
            }
        }
        if let k = inferAt {
            var known = 1
            for (i, d) in shape.enumerated() where i != k {
                let (m, o) = known.multipliedReportingOverflow(by: d)
                guard !o else { throw TensorError("\(op): shape \(spec) is too large") }
                known = m
            }
            guard known != 0, x.count % known == 0 else {
                throw TensorError("\(op): cannot reshape \(x.typeDescription) to \(shapeString(spec))")
            }
            shape[k] = x.count / known
        }
        return try x.reshaped(shape)
    }
}
