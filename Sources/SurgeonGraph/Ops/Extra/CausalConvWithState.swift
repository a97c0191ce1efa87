import Foundation
import SurgeonTensor

/// CausalConvWithState (opset 27): depthwise causal 1-D convolution of input [B, C, L] with
/// weight [C, 1, K] (optional bias [C]), left-padded by `past_state` [B, C, K-1] (zeros when
/// absent), with optional fused `silu`/`swish` activation. Outputs the convolution [B, C, L] and
/// the present state: the last K-1 positions of the padded input.
enum CausalConvWithState {
    static func register(_ r: inout OpRegistry) {
        r.register("CausalConvWithState", since: 27) { ctx in try run(ctx) }
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let x = try ctx.tensor(0), w = try ctx.tensor(1)
        let bias = try ctx.optionalTensor(2), past = try ctx.optionalTensor(3)
        let activation = try ctx.string("activation", "none")
        guard ["none", "silu", "swish"].contains(activation) else { throw ctx.error("unknown activation '\(activation)'") }
        guard x.dtype.isFloatingPoint, w.dtype == x.dtype else {
            throw ctx.error("input and weight must share one floating-point type, got \(x.dtype) and \(w.dtype)")
        }
        guard x.rank == 3 else { throw ctx.error("input must be [B, C, L], got \(x.typeDescription)") }
        let (b, c, l) = (x.shape[0], x.shape[1], x.shape[2])
        guard w.rank == 3, w.shape[0] == c, w.shape[1] == 1, w.shape[2] >= 1 else {
            throw ctx.error("weight must be [\(c), 1, K], got \(w.typeDescription)")
        }
        let k = w.shape[2]
        if let bias, bias.count != c || bias.dtype != x.dtype { throw ctx.error("bias must be \(x.dtype)[\(c)], got \(bias.typeDescription)") }
        if let past, past.shape != [b, c, k - 1] || past.dtype != x.dtype {
            throw ctx.error("past_state must be \(x.dtype)[\(b),\(c),\(k - 1)], got \(past.typeDescription)")
        }
        let padded = try Tensor.concat([past ?? Tensor(zeros: x.dtype, shape: [b, c, k - 1]), x], axis: 2)
        let pl = l + k - 1
        let dt = x.dtype
        let silu = activation != "none"
        let y: Tensor
        if dt == .float64 {
            // Keep double precision for float64 inputs.
            let pd = padded.doubleArray(), wd = w.doubleArray(), bd = bias?.doubleArray()
            var o = [Double](repeating: 0, count: b * c * l)
            for bc in 0..<(b * c) {
                let ch = bc % c
                for t in 0..<l {
                    var acc = bd?[ch] ?? 0
                    for j in 0..<k { acc += pd[bc * pl + t + j] * wd[ch * k + j] }
                    if silu { acc = acc / (1 + exp(-acc)) }
                    o[bc * l + t] = acc
                }
            }
            y = try Tensor(doubles: o, shape: [b, c, l], dtype: dt)
        } else {
            let p = padded.floatArray(), wv = w.floatArray(), bv = bias?.floatArray()
            var out = [Float](repeating: 0, count: b * c * l)
            for bc in 0..<(b * c) {
                let ch = bc % c
                let src = bc * pl, wk = ch * k
                for t in 0..<l {
                    var acc: Float = bv?[ch] ?? 0
                    for j in 0..<k { acc += p[src + t + j] * wv[wk + j] }
                    acc = ExtraSupport.round(acc, to: dt)
                    if silu { acc = acc / (1 + exp(-acc)) }
                    out[bc * l + t] = acc
                }
            }
            y = try Tensor(floats: out, shape: [b, c, l], dtype: dt)
        }
        let keep = (0..<(b * c)).flatMap { bc in (0..<(k - 1)).map { bc * pl + l + $0 } }
        let present = try padded.take(flatIndices: keep, shape: [b, c, k - 1])
        return [.tensor(y), .tensor(present)]
    }
}
