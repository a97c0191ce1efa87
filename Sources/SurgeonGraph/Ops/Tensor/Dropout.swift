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
            // With a seed, draw numpy's legacy `RandomState(seed).uniform` stream (MT19937), so
            // seeded runs match the ONNX reference implementation; otherwise a fresh seed.
            let seed = try ctx.intIfPresent("seed").map { UInt32(truncatingIfNeeded: $0) } ?? UInt32.random(in: 0...UInt32.max)
            var rng = MT19937(seed: seed)
            let v = x.doubleArray()
            var mask = [Bool](repeating: false, count: v.count)
            var out = [Double](repeating: 0, count: v.count)
            let scale = ratio < 1 ? 1 / (1 - ratio) : 0
            for i in 0..<v.count where rng.nextDouble() >= ratio {
                mask[i] = true
                out[i] = v[i] * scale
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

/// The Mersenne Twister as numpy's legacy `RandomState` uses it (seeded by `init_genrand`,
/// doubles from two draws with 53 random bits).
struct MT19937 {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        mt[0] = seed
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func nextUInt32() -> UInt32 {
        if index >= 624 {
            for i in 0..<624 {
                let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
                var v = mt[(i + 397) % 624] ^ (y >> 1)
                if y & 1 != 0 { v ^= 0x9908_B0DF }
                mt[i] = v
            }
            index = 0
        }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Uniform in [0, 1), as numpy's `random_sample`.
    mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }
}
