import SurgeonTensor

/// MeanVarianceNormalization: `(X - mean) / (sqrt(var) + 1e-9)` with mean and (population)
/// variance taken over `axes` (default [0, 2, 3]).
enum MeanVarianceNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("MeanVarianceNormalization", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint else { throw ctx.error("needs a floating-point tensor, got \(x.dtype)") }
            let axes = try Set((try ctx.ints("axes") ?? [0, 2, 3]).map {
                try normalizeAxis($0, rank: x.rank, op: "MeanVarianceNormalization")
            }).sorted()
            let plan = ReducePlan(shape: x.shape, axes: axes)
            let v = x.doubleArray()
            var out = [Double](repeating: 0, count: v.count)
            let offs = plan.offsets(), n = Double(plan.reducedCount)
            for base in plan.bases() {
                var s = 0.0, ss = 0.0
                for off in offs { let e = v[base + off]; s += e; ss += e * e }
                let mean = s / n
                let std = Swift.max(ss / n - mean * mean, 0).squareRoot()
                for off in offs { out[base + off] = (v[base + off] - mean) / (std + 1e-9) }
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: x.dtype))]
        }
    }
}
