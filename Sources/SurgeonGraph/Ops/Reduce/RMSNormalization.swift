import SurgeonTensor

/// RMSNormalization (opset 23): over all axes from `axis` (default -1) on,
/// `Y = X / sqrt(mean(X^2) + epsilon) * scale`.
enum RMSNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("RMSNormalization", since: 1) { ctx in
            let x0 = try ctx.tensor(0)
            let x = try computeFloat(x0, op: "RMSNormalization")
            let scale = try ctx.tensor(1)
            let rank = max(x.rank, 1)
            let shape = x.rank == 0 ? [1] : x.shape
            let axis = try normalizeAxis(try ctx.int("axis", -1), rank: rank, op: "RMSNormalization")
            let eps = try ctx.float("epsilon", 1e-5)
            let rows = extent(shape, 0, axis), n = extent(shape, axis, rank)

            func run<T: KernelFloat>(_ t: T.Type) throws -> Tensor {
                let sc = try AffineOperand<T>(scale, shape: shape, axis: axis, name: "scale")
                return try x.withUnsafeBuffer(of: T.self) { src in
                    try Tensor.build(x.shape, of: T.self) { dst in
                        _ = normalizeRows(src, dst, rows: rows, n: n, epsilon: T(eps), centered: false, scale: sc, bias: nil)
                    }
                }
            }
            let y = x.dtype == .float32 ? try run(Float.self) : try run(Double.self)
            return [.tensor(try y.cast(to: x0.dtype))]
        }
    }
}
