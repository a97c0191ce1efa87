import Foundation
import SurgeonTensor

/// Multinomial: `sample_size` class indices per batch row drawn from the row's unnormalized
/// log-probabilities ([batch, classes]); output [batch, sample_size] of `dtype` (int32 default).
enum Multinomial {
    static func register(_ r: inout OpRegistry) {
        r.register("Multinomial", since: 7) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isFloatingPoint, x.rank == 2 else {
                throw ctx.error("needs float [batch, classes] input, got \(x.typeDescription)")
            }
            let samples = try ctx.int("sample_size", 1)
            guard samples >= 0 else { throw ctx.error("sample_size \(samples) must not be negative") }
            let dtype = try ctx.dtype("dtype", .int32)
            guard dtype == .int32 || dtype == .int64 else { throw ctx.error("dtype must be int32 or int64") }
            let batch = x.shape[0], classes = x.shape[1]
            guard classes > 0 else { throw ctx.error("needs at least one class") }
            var rng = try CFRandom(ctx)
            let logits = x.doubleArray()
            var out: [Int64] = []
            out.reserveCapacity(batch * samples)
            for b in 0..<batch {
                let row = logits[(b * classes)..<((b + 1) * classes)]
                let top = row.max() ?? 0
                var cumulative: [Double] = []
                var total = 0.0
                for l in row {
                    total += top.isFinite ? exp(l - top) : 0
                    cumulative.append(total)
                }
                for _ in 0..<samples {
                    let u = rng.uniform() * total
                    out.append(Int64(cumulative.firstIndex(where: { u < $0 }) ?? classes - 1))
                }
            }
            return [.tensor(try Tensor(int64s: out, shape: [batch, samples], dtype: dtype))]
        }
    }
}
