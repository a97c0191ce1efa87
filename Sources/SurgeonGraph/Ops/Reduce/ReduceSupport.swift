import Foundation
import SurgeonTensor

// Shared machinery of the Reduce group: reduction geometry (which input elements feed each
// output element), the Reduce* kernels, and float helpers used by softmax and normalisations.

// MARK: - Geometry

/// How a tensor of `shape` is reduced over a set of axes.
///
/// Adjacent axes of the same kind (kept / reduced) are merged and extent-1 axes dropped;
/// when what remains is `[outer?, reduced, inner?]` the reduction is a plain
/// (outer, r, inner) block walk, which the fast paths use. Otherwise `bases()` / `offsets()`
/// give, for each output element, its first input offset, and the offsets of the reduced
/// elements relative to it.
struct ReducePlan {
    let shape: [Int]
    let reduced: [Bool]
    /// Shape with reduced axes set to 1.
    let keptShape: [Int]
    let outCount: Int
    let reducedCount: Int
    /// (outer, r, inner) when the reduced axes form one contiguous block.
    let block: (outer: Int, r: Int, inner: Int)?

    init(shape: [Int], axes: [Int]) {
        self.shape = shape
        var red = [Bool](repeating: false, count: shape.count)
        for a in axes { red[a] = true }
        reduced = red
        keptShape = shape.enumerated().map { red[$0.offset] ? 1 : $0.element }
        outCount = keptShape.reduce(1, *)
        reducedCount = zip(shape, red).reduce(1) { $1.1 ? $0 * $1.0 : $0 }
        // Merge runs of the same kind, skipping extent-1 axes.
        var groups: [(extent: Int, reduced: Bool)] = []
        for (d, r) in zip(shape, red) where d != 1 {
            if let last = groups.last, last.reduced == r {
                groups[groups.count - 1].extent *= d
            } else {
                groups.append((d, r))
            }
        }
        let kinds = groups.map(\.reduced)
        switch kinds {
        case []: block = (1, 1, 1)
        case [false]: block = (groups[0].extent, 1, 1)
        case [true]: block = (1, groups[0].extent, 1)
        case [false, true]: block = (groups[0].extent, groups[1].extent, 1)
        case [true, false]: block = (1, groups[0].extent, groups[1].extent)
        case [false, true, false]: block = (groups[0].extent, groups[1].extent, groups[2].extent)
        default: block = nil
        }
    }

    /// Output shape: `keptShape`, or with reduced axes removed.
    func outShape(keepdims: Bool) -> [Int] {
        keepdims ? keptShape : zip(shape, reduced).filter { !$0.1 }.map(\.0)
    }

    /// Offsets (row-major over the chosen axes) of every combination of indices on `which` axes.
    private func combos(_ which: (Int) -> Bool) -> [Int] {
        let strides = contiguousStrides(shape)
        var result = [0]
        for a in 0..<shape.count where which(a) {
            var next: [Int] = []
            next.reserveCapacity(result.count * shape[a])
            for base in result { for i in 0..<shape[a] { next.append(base + i * strides[a]) } }
            result = next
        }
        return result
    }

    /// First input offset of each output element (row-major output order).
    func bases() -> [Int] {
        if let b = block {
            var out = [Int](); out.reserveCapacity(b.outer * b.inner)
            for o in 0..<b.outer { for i in 0..<b.inner { out.append(o * b.r * b.inner + i) } }
            return out
        }
        return combos { !reduced[$0] }
    }

    /// Offsets of the reduced elements relative to an output element's base.
    func offsets() -> [Int] {
        if let b = block { return (0..<b.r).map { $0 * b.inner } }
        return combos { reduced[$0] }
    }
}

/// Reads the reduction axes of a Reduce* node: from input 1 when present (opset 13 for
/// ReduceSum, 18 for the others), else from the `axes` attribute. Returns the normalised,
/// deduplicated axes; no axes means all of them, or none with `noop_with_empty_axes`.
func reductionAxes(_ ctx: OpContext, rank: Int) throws -> [Int] {
    var axes: [Int]?
    if let t = try ctx.optionalTensor(1) {
        guard t.dtype == .int64 || t.dtype == .int32 else { throw ctx.error("axes must be int64, got \(t.dtype)") }
        axes = t.intArray()
    } else {
        axes = try ctx.ints("axes")
    }
    if axes?.isEmpty ?? true {
        return try ctx.int("noop_with_empty_axes", 0) != 0 ? [] : Array(0..<rank)
    }
    var seen = Set<Int>()
    for a in axes ?? [] {
        let n = try normalizeAxis(a, rank: rank, op: ctx.node.opType)
        seen.insert(n)
    }
    return seen.sorted()
}

// MARK: - Reduce kernels

enum ReduceKind {
    case sum, mean, max, min, prod, l1, l2, logSum, logSumExp, sumSquare
}

/// Registers `op` as a reduction of `kind`; `axesInputSince` is the opset that moved `axes`
/// from an attribute to an input (the kernel accepts either, so both registrations share it).
func registerReduction(_ r: inout OpRegistry, _ op: String, _ kind: ReduceKind, axesInputSince: Int) {
    let kernel: Kernel = { ctx in
        let x = try ctx.tensor(0)
        let axes = try reductionAxes(ctx, rank: x.rank)
        let keep = try ctx.int("keepdims", 1) != 0
        return [.tensor(try reduce(x, axes: axes, keepdims: keep, kind: kind, op: op))]
    }
    r.register(op, since: 1, kernel)
    r.register(op, since: axesInputSince, kernel)
}

/// Reduces `x` over `axes` (already normalised; empty means an elementwise pass).
func reduce(_ x: Tensor, axes: [Int], keepdims: Bool, kind: ReduceKind, op: String) throws -> Tensor {
    let plan = ReducePlan(shape: x.shape, axes: axes)
    let outShape = plan.outShape(keepdims: keepdims)
    switch x.dtype.computeClass {
    case .float32:
        if kind == .logSumExp { return try reduceLogSumExp(x, plan: plan, outShape: outShape) }
        return try x.withUnsafeBuffer(of: Float.self) { src in
            try Tensor.build(outShape, of: Float.self) { dst in
                floatReduce(src, dst, plan: plan, kind: kind, exp: expf, log: logf)
            }
        }
    case .float64:
        return try x.withUnsafeBuffer(of: Double.self) { src in
            try Tensor.build(outShape, of: Double.self) { dst in
                floatReduce(src, dst, plan: plan, kind: kind, exp: Foundation.exp, log: Foundation.log)
            }
        }
    case .reducedFloat:
        return try reduce(x.cast(to: .float32), axes: axes, keepdims: keepdims, kind: kind, op: op).cast(to: x.dtype)
    case .signed, .bool:
        if x.dtype == .bool && kind != .max && kind != .min { throw TensorError("\(op) does not support bool") }
        if kind == .logSum || kind == .logSumExp || kind == .l2 {
            return try reduce(x.cast(to: .float64), axes: axes, keepdims: keepdims, kind: kind, op: op).cast(to: x.dtype)
        }
        let (lo, hi) = signedRange(x.dtype)
        let v = x.int64Array()
        let out = try v.withUnsafeBufferPointer { src in
            try Tensor.build(outShape, of: Int64.self) { dst in
                intReduce(src, dst, plan: plan, kind: kind, lo: lo, hi: hi)
            }
        }
        return try out.cast(to: x.dtype)
    case .unsigned:
        if kind == .logSum || kind == .logSumExp || kind == .l2 {
            return try reduce(x.cast(to: .float64), axes: axes, keepdims: keepdims, kind: kind, op: op).cast(to: x.dtype)
        }
        let v = x.uint64Array()
        let hi: UInt64 = x.dtype.size == 8 ? .max : (UInt64(1) << UInt64(x.dtype.size * 8)) - 1
        let out = try v.withUnsafeBufferPointer { src in
            try Tensor.build(outShape, of: UInt64.self) { dst in
                intReduce(src, dst, plan: plan, kind: kind, lo: 0, hi: hi)
            }
        }
        return try out.cast(to: x.dtype)
    case .string:
        throw TensorError("\(op) does not support string")
    }
}

/// Smallest and largest values of a signed integer dtype (bool as 0...1).
func signedRange(_ d: DType) -> (Int64, Int64) {
    switch d {
    case .bool: return (0, 1)
    case .int8: return (Int64(Int8.min), Int64(Int8.max))
    case .int16: return (Int64(Int16.min), Int64(Int16.max))
    case .int32: return (Int64(Int32.min), Int64(Int32.max))
    default: return (Int64.min, Int64.max)
    }
}

/// Walks a reduction: for every output element, `fold` over its reduced inputs.
/// `pre` maps each input, `combine` folds, `post(acc, n)` finishes.
@inline(__always)
func foldReduce<T: TensorScalar>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>, plan: ReducePlan,
    identity: T, pre: (T) -> T, combine: (T, T) -> T, post: (T) -> T
) {
    if let b = plan.block {
        let r = b.r, inner = b.inner
        if inner == 1 {
            for o in 0..<b.outer {
                var acc = identity
                let base = o * r
                for j in 0..<r { acc = combine(acc, pre(src[base + j])) }
                dst[o] = post(acc)
            }
        } else {
            for o in 0..<b.outer {
                let ob = o * inner
                for i in 0..<inner { dst[ob + i] = identity }
                for j in 0..<r {
                    let base = (o * r + j) * inner
                    for i in 0..<inner { dst[ob + i] = combine(dst[ob + i], pre(src[base + i])) }
                }
                for i in 0..<inner { dst[ob + i] = post(dst[ob + i]) }
            }
        }
        return
    }
    let bases = plan.bases(), offs = plan.offsets()
    for (o, base) in bases.enumerated() {
        var acc = identity
        for off in offs { acc = combine(acc, pre(src[base + off])) }
        dst[o] = post(acc)
    }
}

@inline(__always)
func floatReduce<T: KernelFloat>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>, plan: ReducePlan, kind: ReduceKind,
    exp: (T) -> T, log: (T) -> T
) {
    let n = Double(plan.reducedCount)
    switch kind {
    case .sum, .mean:
        let post: (Double) -> Double = kind == .mean ? { $0 / n } : { $0 }
        if T.self == Float.self, let b = plan.block, b.inner == 1, let base = src.baseAddress,
           floatRowSums(UnsafeRawPointer(base).assumingMemoryBound(to: Float.self), rows: b.outer, r: b.r,
                        into: UnsafeMutableRawPointer(dst.baseAddress).map { $0.assumingMemoryBound(to: Float.self) },
                        count: dst.count, post: post) {
            return
        }
        additiveReduce(src, dst, plan: plan, pre: { $0 }, post: post)
    case .l1: additiveReduce(src, dst, plan: plan, pre: { Swift.abs($0) }, post: { $0 })
    case .l2: additiveReduce(src, dst, plan: plan, pre: { $0 * $0 }, post: { $0.squareRoot() })
    case .sumSquare: additiveReduce(src, dst, plan: plan, pre: { $0 * $0 }, post: { $0 })
    case .logSum: additiveReduce(src, dst, plan: plan, pre: { $0 }, post: { Foundation.log($0) })
    case .prod: foldReduce(src, dst, plan: plan, identity: 1, pre: { $0 }, combine: *, post: { $0 })
    case .max:
        foldReduce(src, dst, plan: plan, identity: -.infinity, pre: { $0 },
                   combine: { a, b in (b > a || b.isNaN) ? b : a }, post: { $0 })
    case .min:
        foldReduce(src, dst, plan: plan, identity: .infinity, pre: { $0 },
                   combine: { a, b in (b < a || b.isNaN) ? b : a }, post: { $0 })
    case .logSumExp:
        // max first, then log(sum(exp(x - max))) + max.
        let bases = plan.bases(), offs = plan.offsets()
        for (o, base) in bases.enumerated() {
            var m = -T.infinity
            for off in offs { let v = src[base + off]; if v > m || v.isNaN { m = v } }
            if !m.isFinite { dst[o] = m; continue }
            var s: T = 0
            for off in offs { s += exp(src[base + off] - m) }
            dst[o] = log(s) + m
        }
    }
}

/// A reduction that sums `pre(x)` in Double and stores `post(sum)`: float32 sums stay
/// accurate (no cancellation drift) and the block walk vectorises.
@inline(__always)
func additiveReduce<T: KernelFloat>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>, plan: ReducePlan,
    pre: (Double) -> Double, post: (Double) -> Double
) {
    guard let base = src.baseAddress else {
        for o in 0..<dst.count { dst[o] = T(post(0)) }
        return
    }
    if let b = plan.block {
        let r = b.r, inner = b.inner
        if inner == 1 {
            for o in 0..<b.outer { dst[o] = T(post(doubleSum(base + o * r, r, pre))) }
            return
        }
        var acc = [Double](repeating: 0, count: inner)
        acc.withUnsafeMutableBufferPointer { acc in
            for o in 0..<b.outer {
                for i in 0..<inner { acc[i] = 0 }
                for j in 0..<r {
                    let row = base + (o * r + j) * inner
                    for i in 0..<inner { acc[i] += pre(Double(row[i])) }
                }
                for i in 0..<inner { dst[o * inner + i] = T(post(acc[i])) }
            }
        }
        return
    }
    let bases = plan.bases(), offs = plan.offsets()
    for (o, b0) in bases.enumerated() {
        var acc = 0.0
        for off in offs { acc += pre(Double(src[b0 + off])) }
        dst[o] = T(post(acc))
    }
}

@inline(__always)
func intReduce<T: FixedWidthInteger & TensorScalar>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>, plan: ReducePlan, kind: ReduceKind,
    lo: T, hi: T
) {
    let n = T(truncatingIfNeeded: plan.reducedCount)
    switch kind {
    case .sum: foldReduce(src, dst, plan: plan, identity: 0, pre: { $0 }, combine: { $0 &+ $1 }, post: { $0 })
    case .mean:
        foldReduce(src, dst, plan: plan, identity: 0, pre: { $0 }, combine: { $0 &+ $1 }, post: { n == 0 ? 0 : $0 / n })
    case .prod: foldReduce(src, dst, plan: plan, identity: 1, pre: { $0 }, combine: { $0 &* $1 }, post: { $0 })
    case .max: foldReduce(src, dst, plan: plan, identity: lo, pre: { $0 }, combine: { Swift.max($0, $1) }, post: { $0 })
    case .min: foldReduce(src, dst, plan: plan, identity: hi, pre: { $0 }, combine: { Swift.min($0, $1) }, post: { $0 })
    case .l1:
        foldReduce(src, dst, plan: plan, identity: 0, pre: { $0 < 0 ? 0 &- $0 : $0 }, combine: { $0 &+ $1 }, post: { $0 })
    case .sumSquare, .l2:
        foldReduce(src, dst, plan: plan, identity: 0, pre: { $0 &* $0 }, combine: { $0 &+ $1 }, post: { $0 })
    case .logSum, .logSumExp:
        break  // handled in floating point by the caller
    }
}

private func reduceLogSumExp(_ x: Tensor, plan: ReducePlan, outShape: [Int]) throws -> Tensor {
    let v = try x.scalars(of: Float.self).map { Double($0) }
    let out = try v.withUnsafeBufferPointer { src in
        try Tensor.build(outShape, of: Double.self) { dst in
            floatReduce(src, dst, plan: plan, kind: .logSumExp, exp: Foundation.exp, log: Foundation.log)
        }
    }
    return try out.cast(to: .float32)
}

// MARK: - Float dispatch helpers

/// Float types the normalisation and softmax kernels are written for. The row primitives are
/// vectorised for Float (SIMD8 with a polynomial exp) and plain loops for Double.
protocol KernelFloat: BinaryFloatingPoint, TensorScalar {
    static func kExp(_ x: Self) -> Self
    static func kLog(_ x: Self) -> Self
    static func kPow(_ x: Self, _ y: Self) -> Self
    /// Largest of `p[0..<n]` (n > 0).
    static func rowMax(_ p: UnsafePointer<Self>, _ n: Int) -> Self
    /// `dst[i] = exp(src[i] - shift)`; returns the sum of the results.
    static func expShiftSum(_ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, _ n: Int, _ shift: Self) -> Self
    /// `dst[i] = exp(src[i] - sub[i])`.
    static func expSub(_ src: UnsafePointer<Self>, _ sub: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, _ n: Int)
    /// The softmax of one row of n > 0 values: `exp(src[i] - max) * (1 / sum)`.
    static func softmaxRow(_ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, _ n: Int)
}

extension KernelFloat {
    /// `softmaxRow` from the row primitives: max, exp and sum, scale.
    @inline(__always)
    static func softmaxRowFromPrimitives(_ src: UnsafePointer<Self>, _ dst: UnsafeMutablePointer<Self>, _ n: Int) {
        let m = rowMax(src, n)
        let inv = 1 / expShiftSum(src, dst, n, m)
        for j in 0..<n { dst[j] *= inv }
    }
}

/// float32's row primitives run the CPackedGemm exp kernels (`VectorExp`: AVX-512F or AVX2 +
/// FMA, the Cephes exp of `simdExp` with fused multiply-adds) when the CPU has them, and the
/// Swift SIMD8 loops below (`rowMaxSwift` ...: the fallback, and the tests' yardstick) otherwise.
extension Float: KernelFloat {
    @inline(__always) static func kExp(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func kLog(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func kPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }

    static func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        VectorExp.level > 0 ? VectorExp.rowMax(p, n) : rowMaxSwift(p, n)
    }

    static func expShiftSum(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ shift: Float) -> Float {
        VectorExp.level > 0 ? VectorExp.expShiftSum(src, dst, n, shift) : expShiftSumSwift(src, dst, n, shift)
    }

    static func expSub(_ src: UnsafePointer<Float>, _ sub: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        if VectorExp.level > 0 { VectorExp.expSub(src, sub, dst, n) } else { expSubSwift(src, sub, dst, n) }
    }

    static func softmaxRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        if VectorExp.level > 0, VectorExp.softmaxRow(src, dst, n) { return }
        softmaxRowFromPrimitives(src, dst, n)
    }

    static func rowMaxSwift(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var m = p[0]
        if n >= 8 {
            var acc = loadF8(p)
            i = 8
            while i + 8 <= n { let v = loadF8(p + i); acc.replace(with: v, where: v .> acc); i += 8 }
            m = acc.max()
        }
        while i < n { if p[i] > m { m = p[i] }; i += 1 }
        return m
    }

    static func expShiftSumSwift(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ shift: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let sh = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= n {
            let e = simdExp(loadF8(src + i) - sh)
            storeF8(e, dst + i)
            acc += e
            i += 8
        }
        var s = acc.sum()
        while i < n { let e = expf(src[i] - shift); dst[i] = e; s += e; i += 1 }
        return s
    }

    static func expSubSwift(_ src: UnsafePointer<Float>, _ sub: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n { storeF8(simdExp(loadF8(src + i) - loadF8(sub + i)), dst + i); i += 8 }
        while i < n { dst[i] = expf(src[i] - sub[i]); i += 1 }
    }
}

extension Double: KernelFloat {
    @inline(__always) static func kExp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func kLog(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) static func kPow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }

    static func rowMax(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var m = p[0]
        for i in 1..<max(n, 1) { let v = p[i]; if v > m || v.isNaN { m = v; if v.isNaN { break } } }
        return m
    }

    static func expShiftSum(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int, _ shift: Double) -> Double {
        var s = 0.0
        for i in 0..<n { let e = Foundation.exp(src[i] - shift); dst[i] = e; s += e }
        return s
    }

    static func expSub(_ src: UnsafePointer<Double>, _ sub: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { dst[i] = Foundation.exp(src[i] - sub[i]) }
    }

    static func softmaxRow(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ n: Int) {
        softmaxRowFromPrimitives(src, dst, n)
    }
}

@inline(__always) func loadF8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func storeF8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// exp for 8 floats at once (Cephes expf: Cody-Waite range reduction and a degree-6
/// polynomial, about 1 ulp). Below -87.3 gives 0, above 88 is clamped; NaN stays NaN.
@inline(__always) func simdExp(_ x0: SIMD8<Float>) -> SIMD8<Float> {
    var x = x0
    x.replace(with: -87.33654, where: x .< -87.33654)
    x.replace(with: 88, where: x .> 88)
    // n = round(x / ln 2) via the 1.5 * 2^23 trick (no float-to-int conversion that could trap).
    let magic = SIMD8<Float>(repeating: 12582912)
    let t = x * 1.44269504088896341 + magic
    let fx = t - magic
    var r = x - fx * 0.693359375
    r = r - fx * -2.12194440e-4
    var y = SIMD8<Float>(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * (r * r) + r + 1
    let n = unsafeBitCast(t, to: SIMD8<UInt32>.self) &- unsafeBitCast(magic, to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((n &+ 127) &<< 23, to: SIMD8<Float>.self)
    var result = y * scale
    result.replace(with: 0, where: x0 .< -87.33654)  // underflow (and -inf, e.g. masked scores)
    result.replace(with: x0, where: x0 .!= x0)
    return result
}

/// `dst[o] = Float(post(sum of src[o * r ..< (o + 1) * r]))` for o < rows, each sum in Double
/// by the C kernel (`VectorMath.sum`), the rows split among the kernel threads (each row's sum
/// is the same whichever thread runs it: a squeeze-and-excitation block's pooling, 32 × 112 ×
/// 112 floats in efficientnet_b0, ran on one thread while the other spun). False, with nothing
/// written, without a vector kernel or when `dst` does not hold `rows` values: the caller runs
/// `doubleSum`.
func floatRowSums(_ src: UnsafePointer<Float>, rows: Int, r: Int, into dst: UnsafeMutablePointer<Float>?, count: Int,
                  post: (Double) -> Double) -> Bool {
    let level = VectorMath.sumLevel
    guard level > 0, let dst, count >= rows else { return false }
    parallelItems(rows, costPerItem: r) { o in
        // The kernel sums at any level from 1 (nil only at level 0).
        dst[o] = Float(post(VectorMath.sum(src + o * r, r, level: level) ?? doubleSum(src + o * r, r, { $0 })))
    }
    return true
}

/// Sum of `pre(p[i])` for i in 0..<n, accumulated in Double (four independent sums).
@inline(__always)
func doubleSum<T: KernelFloat>(_ p: UnsafePointer<T>, _ n: Int, _ pre: (Double) -> Double) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = 0
    while i + 4 <= n {
        s0 += pre(Double(p[i])); s1 += pre(Double(p[i + 1])); s2 += pre(Double(p[i + 2])); s3 += pre(Double(p[i + 3]))
        i += 4
    }
    while i < n { s0 += pre(Double(p[i])); i += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// Requires a floating-point tensor; float16/bfloat16 are computed as float32.
/// Returns the tensor to compute on (float32 or float64).
func computeFloat(_ x: Tensor, op: String) throws -> Tensor {
    switch x.dtype.computeClass {
    case .float32, .float64: return x
    case .reducedFloat: return try x.cast(to: .float32)
    default: throw TensorError("\(op) needs a floating-point tensor, got \(x.dtype)")
    }
}

/// `t` read as `T` (cast when it has another float dtype); for scale / bias operands.
func floatValues<T: KernelFloat>(_ t: Tensor, as: T.Type) throws -> [T] {
    if t.dtype == T.dtype { return try t.scalars(of: T.self) }
    guard t.dtype.isFloatingPoint else { throw TensorError("expected a floating-point tensor, got \(t.dtype)") }
    return t.doubleArray().map { T($0) }
}

/// Product of `shape[from..<to]`.
func extent(_ shape: [Int], _ from: Int, _ to: Int) -> Int {
    from < to ? shape[from..<to].reduce(1, *) : 1
}

// MARK: - Normalisation helpers

/// A scale or bias operand of a row normalisation, flattened: either one value per position
/// in a row (`perRow == false`, `values.count == n`) or one per element of the whole input.
struct AffineOperand<T: KernelFloat> {
    let values: [T]
    let full: Bool

    /// `t` broadcast to `shape[axis...]` (leading 1s of a longer operand dropped), or else to
    /// the whole `shape`.
    init(_ t: Tensor, shape: [Int], axis: Int, name: String) throws {
        let normShape = Array(shape[axis...])
        var s = t.shape
        while s.count > normShape.count, s.first == 1 { s.removeFirst() }
        let v = try floatValues(t, as: T.self)
        if s.count <= normShape.count, let b = try? broadcastShapes([s, normShape]), b == normShape {
            let r = try t.reshaped(s)
            values = s == normShape ? v : try floatValues(r.broadcast(to: normShape), as: T.self)
            full = false
        } else if let b = try? broadcastShapes([t.shape, shape]), b == shape {
            values = try floatValues(t.broadcast(to: shape), as: T.self)
            full = true
        } else {
            throw TensorError("\(name) of shape \(shapeString(t.shape)) does not broadcast to \(shapeString(normShape))")
        }
    }

    @inline(__always) func at(_ row: Int, _ j: Int, _ n: Int) -> T { full ? values[row * n + j] : values[j] }
}

/// One row's mean (0 when not `centered`) and 1 / sqrt(variance + epsilon), summed in Double
/// (`normalizeRows` and `groupNormalize`).
@inline(__always)
func rowMeanInvStd<T: KernelFloat>(_ p: UnsafePointer<T>, _ n: Int, epsilon: T, centered: Bool) -> (T, T) {
    let nn = Double(n)
    var meanD = 0.0
    if centered { meanD = doubleSum(p, n, { $0 }) / nn }
    let ssD = doubleSum(p, n, { ($0 - meanD) * ($0 - meanD) })
    return (T(meanD), T(1 / (ssD / nn + Double(epsilon)).squareRoot()))
}

/// Normalises `rows` rows of `n` contiguous elements: `(x - mean) * invStd * scale + bias`,
/// with `mean = 0` when not `centered` (RMS normalisation). Returns each row's mean and invStd.
@inline(__always)
func normalizeRows<T: KernelFloat>(
    _ src: UnsafeBufferPointer<T>, _ dst: UnsafeMutableBufferPointer<T>, rows: Int, n: Int, epsilon: T,
    centered: Bool, scale: AffineOperand<T>?, bias: AffineOperand<T>?
) -> (mean: [T], invStd: [T]) {
    var means = [T](repeating: 0, count: rows), invs = [T](repeating: 0, count: rows)
    guard let sp = src.baseAddress, rows > 0, n > 0 else { return (means, invs) }
    means.withUnsafeMutableBufferPointer { meanBuf in
    invs.withUnsafeMutableBufferPointer { invBuf in
    guard let meanP = meanBuf.baseAddress, let invP = invBuf.baseAddress else { return }
    // rows over the kernel threads; each writes only its own row of dst and stats
    parallelItems(rows, costPerItem: n * 4) { row in
        let base = row * n
        let p = sp + base
        let (mean, inv) = rowMeanInvStd(p, n, epsilon: epsilon, centered: centered)
        meanP[row] = mean
        invP[row] = inv
        // Row pointers (not dst[base + j]) so that the loops vectorise.
        guard let d = dst.baseAddress.map({ $0 + base }) else { return }
        switch (scale, bias) {
        case (let sc?, let b?) where !sc.full && !b.full:
            sc.values.withUnsafeBufferPointer { sv in
                b.values.withUnsafeBufferPointer { bv in
                    guard let s = sv.baseAddress, let bb = bv.baseAddress else { return }
                    for j in 0..<n { d[j] = (p[j] - mean) * inv * s[j] + bb[j] }
                }
            }
        case (let sc?, nil) where !sc.full:
            sc.values.withUnsafeBufferPointer { sv in
                guard let s = sv.baseAddress else { return }
                for j in 0..<n { d[j] = (p[j] - mean) * inv * s[j] }
            }
        default:
            for j in 0..<n {
                var y = (src[base + j] - mean) * inv
                if let sc = scale { y *= sc.at(row, j, n) }
                if let b = bias { y += b.at(row, j, n) }
                dst[base + j] = y
            }
        }
    }
    }
    }
    return (means, invs)
}

/// Normalises (N, C, spatial...) input in `groups` groups of channels per sample, then applies
/// a per-channel `scale` / `bias` (each of C values). Used by InstanceNormalization
/// (groups == C) and GroupNormalization.
func groupNormalize(
    _ x0: Tensor, groups: Int, scale: Tensor, bias: Tensor, perGroupAffine: Bool, epsilon: Float, op: String
) throws -> Tensor {
    let x = try computeFloat(x0, op: op)
    guard x.rank >= 2 else { throw TensorError("\(op) needs an input of rank 2 or more, got \(x.typeDescription)") }
    let nb = x.shape[0], c = x.shape[1], spatial = extent(x.shape, 2, x.rank)
    guard groups > 0, c % groups == 0 else { throw TensorError("\(op): \(c) channels do not split into \(groups) groups") }
    let affineCount = perGroupAffine ? groups : c
    guard scale.count == affineCount, bias.count == affineCount else {
        throw TensorError("\(op): scale and bias need \(affineCount) values, got \(scale.count) and \(bias.count)")
    }
    func run<T: KernelFloat>(_ t: T.Type) throws -> Tensor {
        let sv = try floatValues(scale, as: T.self), bv = try floatValues(bias, as: T.self)
        let cpg = c / groups
        return try x.withUnsafeBuffer(of: T.self) { src in
            try Tensor.build(x.shape, of: T.self) { dst in
                // Per group its statistics, then per channel of it one pass: ((x - mean) * inv)
                // * a + b, the operations (and roundings) of normalising then applying the affine
                // map in two passes, in one (the groups over the kernel threads).
                guard let sp = src.baseAddress, let dp = dst.baseAddress, spatial > 0 else { return }
                let n = cpg * spatial
                parallelItems(nb * groups, costPerItem: n * 4) { row in
                    let (mean, inv) = rowMeanInvStd(sp + row * n, n, epsilon: T(epsilon), centered: true)
                    let s = row / groups, g = row % groups
                    for ch in (g * cpg)..<((g + 1) * cpg) {
                        let k = perGroupAffine ? ch / cpg : ch
                        let a = sv[k], b = bv[k]
                        let p = sp + (s * c + ch) * spatial, d = dp + (s * c + ch) * spatial
                        for i in 0..<spatial {
                            let y = (p[i] - mean) * inv
                            d[i] = y * a + b
                        }
                    }
                }
            }
        }
    }
    let y = x.dtype == .float32 ? try run(Float.self) : try run(Double.self)
    return try y.cast(to: x0.dtype)
}

// MARK: - Losses

/// The negative log-likelihood loss of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
/// `logp` holds (N, C, D) values (D the product of trailing axes of `inputShape`), `target`
/// is (N, d1, ...) class indices, `weight` optional per-class weights.
func nllLoss(
    logp: [Double], inputShape: [Int], target: Tensor, weight: Tensor?, ignoreIndex: Int?,
    reduction: String, dtype: DType, op: String
) throws -> Tensor {
    guard inputShape.count >= 2 else { throw TensorError("\(op): input needs rank 2 or more, got \(shapeString(inputShape))") }
    let n = inputShape[0], c = inputShape[1], d = extent(inputShape, 2, inputShape.count)
    let expectedTarget = [n] + Array(inputShape[2...])
    guard target.shape == expectedTarget else {
        throw TensorError("\(op): target shape \(shapeString(target.shape)) should be \(shapeString(expectedTarget))")
    }
    guard target.dtype.isInteger else { throw TensorError("\(op): target must be integer, got \(target.dtype)") }
    var w: [Double]?
    if let weight {
        guard weight.count == c, weight.rank == 1 else {
            throw TensorError("\(op): weight should have \(c) values, got \(weight.typeDescription)")
        }
        w = weight.doubleArray()
    }
    guard reduction == "none" || reduction == "sum" || reduction == "mean" else {
        throw TensorError("\(op): unknown reduction '\(reduction)'")
    }
    let t = target.intArray()
    var loss = [Double](repeating: 0, count: n * d)
    var weightSum = 0.0
    for i in 0..<n {
        for k in 0..<d {
            let cls = t[i * d + k]
            if let ii = ignoreIndex, cls == ii { continue }
            guard cls >= 0 && cls < c else { throw TensorError("\(op): target \(cls) is out of range for \(c) classes") }
            let wt = w?[cls] ?? 1
            loss[i * d + k] = -logp[(i * c + cls) * d + k] * wt
            weightSum += wt
        }
    }
    switch reduction {
    case "none": return try Tensor(doubles: loss, shape: target.shape, dtype: dtype)
    case "sum": return try Tensor(doubles: [loss.reduce(0, +)], shape: [], dtype: dtype)
    default: return try Tensor(doubles: [loss.reduce(0, +) / weightSum], shape: [], dtype: dtype)
    }
}
