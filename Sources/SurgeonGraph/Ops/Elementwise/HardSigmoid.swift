import SurgeonTensor

/// HardSigmoid: `max(0, min(1, alpha * x + beta))` (alpha 0.2, beta 0.5 by default). float32
/// through `hardSigmoidLoopF32` (vectorised, parallel, the same expression as the general kernel).
enum HardSigmoid {
    static func register(_ r: inout OpRegistry) {
        r.register("HardSigmoid", since: 1) { ctx in
            let alpha = try ctx.float("alpha", 0.2), beta = try ctx.float("beta", 0.5)
            let x = try ctx.tensor(0)
            if x.dtype == .float32 {
                let p = try elementPointer(x, Float.self)
                let (buf, dst, n) = try newOutput(x.shape, Float.self)
                withExtendedLifetime(x) { hardSigmoidLoopF32(p, dst, n, alpha: alpha, beta: beta) }
                return [.tensor(Tensor(dtype: .float32, shape: x.shape, buffer: buf))]
            }
            let a = Double(alpha), b = Double(beta)
            return [.tensor(try unaryFloat(
                x, "HardSigmoid",
                { hardSigmoidF($0, alpha, beta) }, { Swift.max(0, Swift.min(1, a * $0 + b)) }))]
        }
    }
}

@inline(__always)
func hardSigmoidF(_ x: Float, _ alpha: Float, _ beta: Float) -> Float {
    Swift.max(0, Swift.min(1, alpha * x + beta))
}

/// `dst[i] = hardSigmoidF(src[i])`, split over the kernel threads (`dst` not overlapping `src`).
func hardSigmoidLoopF32(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, beta: Float) {
    parallelChunks(n) { r in for i in r { dst[i] = hardSigmoidF(src[i], alpha, beta) } }
}

/// In place (one pointer, so the loop vectorises): `p[i] = hardSigmoidF(p[i])`, or with `gated`
/// `p[i] * hardSigmoidF(p[i])` (a Mul of x by its HardSigmoid, run by the plan).
func hardSigmoidInPlaceF32(_ p: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, beta: Float, gated: Bool) {
    parallelChunks(n) { r in hardSigmoidRunF32(p + r.lowerBound, r.count, alpha: alpha, beta: beta, gated: gated) }
}

/// `hardSigmoidInPlaceF32` on the calling thread (a chunk of it, a kernel's per-tile epilogue).
@inline(__always)
func hardSigmoidRunF32(_ p: UnsafeMutablePointer<Float>, _ n: Int, alpha: Float, beta: Float, gated: Bool) {
    if gated {
        for i in 0..<n { let v = p[i]; p[i] = v * hardSigmoidF(v, alpha, beta) }
    } else {
        for i in 0..<n { p[i] = hardSigmoidF(p[i], alpha, beta) }
    }
}
