import SurgeonTensor

/// Binarizer (ai.onnx.ml): 1 where X > threshold, else 0, in X's type (NaN stays NaN).
enum Binarizer {
    static func register(_ r: inout OpRegistry) {
        r.register("Binarizer", domain: "ai.onnx.ml", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let t = Double(try ctx.float("threshold", 0))
            guard x.dtype.isFloatingPoint || x.dtype.isInteger else { throw ctx.error("needs a numeric tensor, got \(x.dtype)") }
            let v = x.doubleArray().map { $0.isNaN ? $0 : ($0 > t ? 1.0 : 0.0) }
            return [.tensor(try Tensor(doubles: v, shape: x.shape, dtype: x.dtype))]
        }
    }
}
