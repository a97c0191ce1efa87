import SurgeonTensor

/// LayerNormalization (opset 17): normalises over all axes from `axis` (default -1) on,
/// `Y = (X - mean) / sqrt(var + epsilon) * Scale + B`; optional outputs Mean and InvStdDev
/// have X's shape with the normalised axes set to 1 (float32 for float16/bfloat16 input).
/// Computed in float32 for float32 input (float64 for float64).
enum LayerNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("LayerNormalization", since: 1) { ctx in
            let x0 = try ctx.tensor(0)
            let x = try computeFloat(x0, op: "LayerNormalization")
            let scale = try ctx.tensor(1)
            let bias = try ctx.optionalTensor(2)
            let rank = max(x.rank, 1)
            let shape = x.rank == 0 ? [1] : x.shape
            let axis = try normalizeAxis(try ctx.int("axis", -1), rank: rank, op: "LayerNormalization")
            let eps = try ctx.float("epsilon", 1e-5)
            let rows = extent(shape, 0, axis), n = extent(shape, axis, rank)
            let statShape = x.rank == 0 ? [] : shape.enumerated().map { $0.offset < axis ? $0.element : 1 }

            func run<T: KernelFloat>(_ t: T.Type) throws -> (Tensor, [T], [T]) {
                let sc = try AffineOperand<T>(scale, shape: shape, axis: axis, name: "Scale")
                let b = try bias.map { try AffineOperand<T>($0, shape: shape, axis: axis, name: "B") }
                var stats: (mean: [T], invStd: [T]) = ([], [])
                let y = try x.withUnsafeBuffer(of: T.self) { src in
                    // normalizeRows writes every element (rows * n of them).
                    try Tensor.buildOverwriting(x.shape, of: T.self) { dst in
                        stats = normalizeRows(src, dst, rows: rows, n: n, epsilon: T(eps), centered: true, scale: sc, bias: b)
                    }
                }
                return (y, stats.mean, stats.invStd)
            }
            // Mean and InvStdDev are only built when the node names them.
            let wantsStats = ctx.node.outputs.dropFirst().contains { !$0.isEmpty }
            var outs: [Value]
            if x.dtype == .float32 {
                let (y, m, s) = try run(Float.self)
                outs = [.tensor(try y.cast(to: x0.dtype))]
                if wantsStats {
                    outs += [.tensor(try Tensor(shape: statShape, scalars: m)), .tensor(try Tensor(shape: statShape, scalars: s))]
                }
            } else {
                let (y, m, s) = try run(Double.self)
                outs = [.tensor(y)]
                if wantsStats {
                    outs += [.tensor(try Tensor(shape: statShape, scalars: m)), .tensor(try Tensor(shape: statShape, scalars: s))]
                }
            }
            return outs
        }
    }
}
