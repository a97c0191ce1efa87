import SurgeonTensor

/// Dropout: identity at inference, with an optional mask output of all "kept" (ones of the input
/// type before opset 10, bool true after). From opset 12, `training_mode` (input 2) turns on
/// real dropout with probability `ratio` (input 1, default 0.5): kept elements are scaled by
/// 1/(1-ratio); `seed` makes it repeatable. With ratio 0 it is the identity.
enum Dropout {
    static func register(_ r: inout OpRegistry) {
        r.register("Dropout", since: 1) { ctx in try inference(ctx, boolMask: false) }
        r.register("Dropout", since: 10) { ctx in try inference(ctx, boolMask: true) }
        r.register("Dropout", since: 12) { ctx in
            let x = try ctx.tensor(0)
            let ratio = try ctx.optionalTensor(1).map { t -> Double in
                guard t.count == 1 else { throw ctx.error("ratio must be a single value") }
                return t.doubleArray()[0]
            } ?? 0.5
            let training = try ctx.optionalTensor(2).map { t -> Bool in
                guard t.count == 1 else { throw ctx.error("training_mode must be a single value") }
                return t.boolArray()[0]
            } ?? false
            if !training || ratio == 0 { return try inference(ctx, boolMask: true) }
            guard ratio > 0 && ratio <= 1 else { throw ctx.error("ratio \(ratio) is outside [0, 1]") }
            guard x.dtype.isFloatingPoint else { throw ctx.error("training dropout needs a float input, got \(x.dtype)") }
            var rng = SplitMix64(seed: try ctx.intIfPresent("seed").map { UInt64(bitPattern: Int64($0)) }
                                 ?? UInt64.random(in: 0...UInt64.max))
            let v = x.doubleArray()
            var mask = [Bool](repeating: false, count: v.count)
            var out = [Double](repeating: 0, count: v.count)
            let scale = ratio < 1 ? 1 / (1 - ratio) : 0
            for i in 0..<v.count {
                let u = Double(rng.next() >> 11) / Double(1 << 53)
                if u >= ratio { mask[i] = true; out[i] = v[i] * scale }
            }
            return [.tensor(try Tensor(doubles: out, shape: x.shape, dtype: x.dtype)),
                    .tensor(try Tensor(bools: mask, shape: x.shape))]
        }
    }

    static func inference(_ ctx: OpContext, boolMask: Bool) throws -> [Value] {
        let x = try ctx.tensor(0)
        guard ctx.node.outputs.count > 1 else { return [.tensor(x)] }
        let mask = boolMask
            ? try Tensor(bools: Array(repeating: true, count: x.count), shape: x.shape)
            : try Tensor(doubles: Array(repeating: 1, count: x.count), shape: x.shape, dtype: x.dtype)
        return [.tensor(x), .tensor(mask)]
    }
}

/// A small seeded generator for repeatable dropout masks.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
