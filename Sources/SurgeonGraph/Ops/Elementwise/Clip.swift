import SurgeonTensor

/// Clip: limits every element to [min, max]: `min(max(x, min), max)` (so max wins when
/// min > max; NaN passes through). Before opset 11 the bounds are float attributes; from 11
/// they are optional scalar inputs of X's dtype (12 adds integer types).
enum Clip {
    static func register(_ r: inout OpRegistry) {
        r.register("Clip", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let lo = ctx.has("min") ? try Tensor(scalar: ctx.float("min", 0)).cast(to: x.dtype) : nil
            let hi = ctx.has("max") ? try Tensor(scalar: ctx.float("max", 0)).cast(to: x.dtype) : nil
            return [.tensor(try clip(x, lo, hi))]
        }
        r.register("Clip", since: 11) { ctx in
            let x = try ctx.tensor(0)
            return [.tensor(try clip(x, ctx.optionalTensor(1), ctx.optionalTensor(2)))]
        }
    }

    static func clip(_ x: Tensor, _ lo: Tensor?, _ hi: Tensor?) throws -> Tensor {
        for b in [lo, hi] {
            guard let b else { continue }
            guard b.count == 1 else { throw TensorError("Clip: min and max must be scalars, got \(b.typeDescription)") }
            guard b.dtype == x.dtype else { throw TensorError("Clip: bound type \(b.dtype) differs from input type \(x.dtype)") }
        }
        if x.dtype == .float32 {
            return try clipFloat(x, lo?.floatArray().first ?? -.infinity, hi?.floatArray().first ?? .infinity)
        }
        switch x.dtype.computeClass {
        case .float32, .float64, .reducedFloat:
            let l = lo?.doubleArray().first ?? -.infinity, h = hi?.doubleArray().first ?? .infinity
            let lf = Float(l), hf = Float(h)
            return try unaryFloat(x, "Clip", { v in
                let c = v < lf ? lf : v
                return c > hf ? hf : c
            }, { v in
                let c = v < l ? l : v
                return c > h ? h : c
            })
        case .signed:
            let l = lo?.int64Array().first ?? .min, h = hi?.int64Array().first ?? .max
            return try emap1(x.cast(to: .int64), Int64.self, Int64.self) { Swift.min(Swift.max($0, l), h) }.cast(to: x.dtype)
        case .unsigned:
            let l = lo?.uint64Array().first ?? .min, h = hi?.uint64Array().first ?? .max
            return try emap1(x.cast(to: .uint64), UInt64.self, UInt64.self) { Swift.min(Swift.max($0, l), h) }.cast(to: x.dtype)
        default:
            throw TensorError("Clip does not support \(x.dtype)")
        }
    }

    /// float32 in one plain loop (no closure) so it vectorises, split over the kernel threads
    /// for large tensors; same comparisons as the general path.
    static func clipFloat(_ x: Tensor, _ lf: Float, _ hf: Float) throws -> Tensor {
        let p = try elementPointer(x, Float.self)
        let (buf, dst, n) = try newOutput(x.shape, Float.self)
        withExtendedLifetime(x) {
            parallelChunks(n) { r in
                for i in r {
                    let v = p[i]
                    let c = v < lf ? lf : v
                    dst[i] = c > hf ? hf : c
                }
            }
        }
        return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
    }
}
