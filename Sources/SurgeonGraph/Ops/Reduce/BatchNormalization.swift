import SurgeonTensor

/// BatchNormalization over channel axis 1 of (N, C, ...):
/// `Y = (X - mean) / sqrt(var + epsilon) * scale + B` with the given running statistics.
/// With `training_mode` (opset 14) the batch's own mean and (population) variance are used and
/// the updated running statistics `running * momentum + batch * (1 - momentum)` are returned too.
enum BatchNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("BatchNormalization", since: 1) { ctx in try run(ctx, training: false) }
        r.register("BatchNormalization", since: 14) { ctx in try run(ctx, training: try ctx.int("training_mode", 0) != 0) }
    }

    /// - Parameter fast: false keeps float32 inference on the plain loop (tests compare the two).
    static func run(_ ctx: OpContext, training: Bool, fast: Bool = true) throws -> [Value] {
        let x0 = try ctx.tensor(0)
        let x = try computeFloat(x0, op: "BatchNormalization")
        guard x.rank >= 2 else { throw ctx.error("needs an input of rank 2 or more, got \(x.typeDescription)") }
        let nb = x.shape[0], c = x.shape[1], spatial = extent(x.shape, 2, x.rank)
        let params = try (1...4).map { try ctx.tensor($0) }
        for (i, p) in params.enumerated() where p.count != c {
            throw ctx.error("input \(i + 2) has \(p.count) values, expected one per channel (\(c))")
        }
        let eps = Double(try ctx.float("epsilon", 1e-5))
        let momentum = Double(try ctx.float("momentum", 0.9))
        let scale = params[0].doubleArray(), bias = params[1].doubleArray()
        var mean = params[2].doubleArray(), variance = params[3].doubleArray()
        var runningMean: [Double] = [], runningVar: [Double] = []
        if training {
            let v = x.doubleArray()
            let count = Double(nb * spatial)
            for ch in 0..<c {
                var s = 0.0
                for b in 0..<nb { let base = (b * c + ch) * spatial; for i in 0..<spatial { s += v[base + i] } }
                let m = s / count
                var ss = 0.0
                for b in 0..<nb {
                    let base = (b * c + ch) * spatial
                    for i in 0..<spatial { let d = v[base + i] - m; ss += d * d }
                }
                let bv = ss / count
                runningMean.append(mean[ch] * momentum + m * (1 - momentum))
                runningVar.append(variance[ch] * momentum + bv * (1 - momentum))
                mean[ch] = m
                variance[ch] = bv
            }
        }
        // y = x * a + b per channel.
        let a = (0..<c).map { scale[$0] / (variance[$0] + eps).squareRoot() }
        let b = (0..<c).map { bias[$0] - mean[$0] * a[$0] }
        if !training, x0.dtype == .float32, fast {
            return [.tensor(try BatchNormalizationFloat.run(x, a: a.map { Float($0) }, b: b.map { Float($0) },
                                                            epilogue: ctx.tileEpilogue))]
        }
        func apply<T: KernelFloat>(_ t: T.Type) throws -> Tensor {
            let at = a.map { T($0) }, bt = b.map { T($0) }
            return try x.withUnsafeBuffer(of: T.self) { src in
                try Tensor.build(x.shape, of: T.self) { dst in
                    for s in 0..<nb {
                        for ch in 0..<c {
                            let base = (s * c + ch) * spatial, ka = at[ch], kb = bt[ch]
                            for i in 0..<spatial { dst[base + i] = src[base + i] * ka + kb }
                        }
                    }
                }
            }
        }
        let y = try (x.dtype == .float32 ? apply(Float.self) : apply(Double.self)).cast(to: x0.dtype)
        if !training { return [.tensor(y)] }
        let statType = params[2].dtype
        return [.tensor(y),
                .tensor(try Tensor(doubles: runningMean, shape: params[2].shape, dtype: statType)),
                .tensor(try Tensor(doubles: runningVar, shape: params[3].shape, dtype: statType))]
    }
}
