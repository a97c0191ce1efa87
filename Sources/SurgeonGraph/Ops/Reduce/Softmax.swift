import Foundation
import SurgeonTensor

/// Softmax: `exp(x - max) / sum(exp(x - max))`. Before opset 13 the input is coerced to 2-D
/// at `axis` (default 1) and normalised over the flattened trailing part; from opset 13 over
/// the single `axis` (default -1).
enum Softmax {
    static func register(_ r: inout OpRegistry) {
        r.register("Softmax", since: 1) { ctx in [.tensor(try run(ctx, log: false))] }
        r.register("Softmax", since: 13) { ctx in [.tensor(try run(ctx, log: false))] }
    }

    /// (outer, r, inner) of a Softmax-family node: see the op comment.
    static func layout(_ ctx: OpContext, _ shape0: [Int]) throws -> (outer: Int, r: Int, inner: Int) {
        let shape = shape0.isEmpty ? [1] : shape0
        if ctx.opset < 13 {
            let axis = try ctx.int("axis", 1)
            let a = axis < 0 ? axis + shape.count : axis
            guard a >= 0 && a <= shape.count else { throw ctx.error("axis \(axis) is out of range for rank \(shape.count)") }
            return (extent(shape, 0, a), extent(shape, a, shape.count), 1)
        }
        let a = try normalizeAxis(try ctx.int("axis", -1), rank: shape.count, op: ctx.node.opType)
        return (extent(shape, 0, a), shape[a], extent(shape, a + 1, shape.count))
    }

    /// Softmax (or LogSoftmax when `log`) of a node's input.
    static func run(_ ctx: OpContext, log: Bool) throws -> Tensor {
        let x0 = try ctx.tensor(0)
        if !log && (x0.dtype == .float16 || x0.dtype == .bfloat16) {
            let l = try layout(ctx, x0.shape)
            return try reducedFloatSoftmax(x0, outer: l.outer, r: l.r, inner: l.inner)
        }
        let x = try computeFloat(x0, op: ctx.node.opType)
        let l = try layout(ctx, x.shape)
        let y: Tensor
        if x.dtype == .float32 {
            y = try compute(x, Float.self, outer: l.outer, r: l.r, inner: l.inner, log: log)
        } else {
            y = try compute(x, Double.self, outer: l.outer, r: l.r, inner: l.inner, log: log)
        }
        return try y.cast(to: x0.dtype)
    }

    /// Softmax of a float16/bfloat16 tensor rounded step by step as numpy (the reference) does:
    /// `x - max`, `exp` and the quotient are each rounded to the input type; the sum is
    /// accumulated in float32 and rounded once for float16 over a contiguous (last) axis, and
    /// rounded after every addition otherwise (bfloat16, or a strided axis).
    static func reducedFloatSoftmax(_ x: Tensor, outer: Int, r: Int, inner: Int) throws -> Tensor {
        let dt = x.dtype
        @inline(__always) func rd(_ v: Float) -> Float {
            dt == .float16 ? roundedToHalf(v) : BFloat16(v).floatValue
        }
        let wideSum = dt == .float16 && inner == 1
        var v = x.floatArray()
        guard r > 0 else { return x }
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * r * inner + i
                var m = v[base]
                for j in 1..<r { m = max(m, v[base + j * inner]) }
                var sum: Float = 0
                for j in 0..<r {
                    let e = rd(exp(rd(v[base + j * inner] - m)))
                    v[base + j * inner] = e
                    sum = wideSum ? sum + e : rd(sum + e)
                }
                sum = rd(sum)
                for j in 0..<r { v[base + j * inner] = rd(v[base + j * inner] / sum) }
            }
        }
        return try Tensor(floats: v, shape: x.shape, dtype: dt)
    }

    static func compute<T: KernelFloat>(
        _ x: Tensor, _ t: T.Type, outer: Int, r: Int, inner: Int, log: Bool
    ) throws -> Tensor {
        try x.withUnsafeBuffer(of: T.self) { src in
            // softmaxBlocks writes every element.
            try Tensor.buildOverwriting(x.shape, of: T.self) { dst in
                softmaxBlocks(src, dst, outer: outer, r: r, inner: inner, log: log)
            }
        }
    }
}

/// Softmax over the middle axis of (outer, r, inner) blocks.
@inline(__always)
func softmaxBlocks<T: KernelFloat>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>,
    outer: Int, r: Int, inner: Int, log: Bool
) {
    guard r > 0, let sp = src.baseAddress, let dp = dst.baseAddress else { return }
    if inner == 1 {
        // rows over the kernel threads (exp makes an element cost several simple ones)
        parallelItems(outer, costPerItem: r * 4) { o in
            let s = sp + o * r, d = dp + o * r
            if log {
                let m = T.rowMax(s, r)
                let ls = T.kLog(T.expShiftSum(s, d, r, m)) + m
                for j in 0..<r { d[j] = s[j] - ls }
            } else {
                T.softmaxRow(s, d, r)
            }
        }
        return
    }
    var mx = [T](repeating: 0, count: inner), sum = [T](repeating: 0, count: inner)
    mx.withUnsafeMutableBufferPointer { mx in
        sum.withUnsafeMutableBufferPointer { sum in
            guard let mp = mx.baseAddress else { return }
            for o in 0..<outer {
                let base = o * r * inner
                for i in 0..<inner { mx[i] = src[base + i]; sum[i] = 0 }
                for j in 1..<r {
                    let row = base + j * inner
                    for i in 0..<inner { let v = src[row + i]; mx[i] = v > mx[i] ? v : mx[i] }
                }
                for j in 0..<r {
                    let row = base + j * inner
                    T.expSub(sp + row, mp, dp + row, inner)
                    for i in 0..<inner { sum[i] += dst[row + i] }
                }
                if log {
                    for i in 0..<inner { sum[i] = T.kLog(sum[i]) + mx[i] }
                    for j in 0..<r {
                        let row = base + j * inner
                        for i in 0..<inner { dst[row + i] = src[row + i] - sum[i] }
                    }
                } else {
                    for i in 0..<inner { sum[i] = 1 / sum[i] }
                    for j in 0..<r {
                        let row = base + j * inner
                        for i in 0..<inner { dst[row + i] *= sum[i] }
                    }
                }
            }
        }
    }
}
