import SurgeonTensor

/// GlobalAveragePool: mean over all spatial axes of `[N, C, spatial...]`, keeping them as 1s.
enum GlobalAveragePool {
    static func register(_ r: inout OpRegistry) {
        r.register("GlobalAveragePool", since: 1) { ctx in
            [.tensor(try globalPool(ctx.tensor(0), op: "GlobalAveragePool", max: false))]
        }
    }
}

/// Shared by GlobalAveragePool and GlobalMaxPool.
func globalPool(_ x: Tensor, op: String, max isMax: Bool) throws -> Tensor {
    guard x.rank >= 2 else { throw TensorError("\(op): X must have rank 2 or more, got \(x.typeDescription)") }
    if !isMax { try requireFloat(x, op, "X") }
    guard x.dtype.isNumeric else { throw TensorError("\(op): X must be numeric") }
    let nc = x.shape[0] * x.shape[1]
    let inner = x.shape[2...].reduce(1, *)
    let outShape = Array(x.shape[0..<2]) + Array(repeating: 1, count: x.rank - 2)
    if !isMax, x.dtype == .float32, inner > 0 {
        // Plane means without a Double copy of the input: each plane summed in Double (the C
        // kernel where the CPU has one), then divided as below.
        let divisor = Double(inner)
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.build(outShape, of: Float.self) { dst in
                guard let base = src.baseAddress, let out = dst.baseAddress else { return }
                if floatRowSums(base, rows: nc, r: inner, into: out, count: dst.count, post: { $0 / divisor }) { return }
                for i in 0..<nc { out[i] = Float(doubleSum(base + i * inner, inner, { $0 }) / divisor) }
            }
        }
    }
    let v = x.doubleArray()
    var out = [Double](repeating: 0, count: nc)
    for i in 0..<nc {
        if isMax {
            var m = -Double.infinity
            for k in 0..<inner { let e = v[i * inner + k]; if e > m || e.isNaN { m = e } }
            out[i] = m
        } else {
            var s = 0.0
            for k in 0..<inner { s += v[i * inner + k] }
            out[i] = s / Double(inner)
        }
    }
    return try saturatingTensor(out, shape: outShape, dtype: x.dtype)
}
