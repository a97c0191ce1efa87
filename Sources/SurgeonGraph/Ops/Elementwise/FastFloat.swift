import SurgeonTensor

// Fast float32 paths of the elementwise ops, split over the kernel threads for large tensors.
// The per-element operation is a static function of a generic kernel type (not a captured
// closure) so each specialised loop inlines it and vectorises inside the parallel chunk.
// The general kernels (`bmap2` / `emap1`) stay the yardstick in tests.

/// A float32 binary operation for `fastBinaryF32`.
protocol FloatBinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float
}

/// A float32 unary operation for `fastUnaryF32`. `vector` names the C vector kernel of the same
/// function (`VectorMath`, fused multiply-adds: within a few ulp of `apply`, not the same bits),
/// which the loops below use when the CPU has one; every loop over the kernel goes through
/// `unaryRunF32` / `gatedRunF32`, so an op and the same function fused into a step's epilogue
/// (an inspected run and a plain one) give the same bits.
protocol FloatUnaryKernel {
    static func apply(_ x: Float) -> Float
    static var vector: VectorMath.Function? { get }
}

extension FloatUnaryKernel {
    @inline(__always) static var vector: VectorMath.Function? { nil }
}

enum AddF: FloatBinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubF: FloatBinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulF: FloatBinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivF: FloatBinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

/// The suffix test of a row broadcast: `small`'s shape, leading 1s dropped, equals the last
/// axes of `big`'s shape (so `small` repeats every `small.count` elements of `big`).
func isRowBroadcast(_ small: [Int], _ big: [Int]) -> Bool {
    guard small.count <= big.count else { return false }
    var s = small[...]
    while let f = s.first, f == 1 { s = s.dropFirst() }
    guard s.count <= big.count else { return false }
    return Array(big.suffix(s.count)) == Array(s)
}

/// The block test of a leading-axes broadcast: `small`'s shape (leading 1s added to `big`'s
/// rank) equals `big`'s up to some axis and is 1 after it, as a per-channel scale [1, C, 1, 1]
/// against [1, C, H, W]. Returns the block length (the product of `big`'s trailing extents):
/// each element of `small` applies to one contiguous block of `big`. nil otherwise, and for
/// scalars and same shapes (other paths).
func blockBroadcast(_ small: [Int], _ big: [Int]) -> Int? {
    guard small.count <= big.count else { return nil }
    let padded = [Int](repeating: 1, count: big.count - small.count) + small
    guard let last = padded.lastIndex(where: { $0 != 1 }), last + 1 < big.count,
          Array(padded[...last]) == Array(big[...last]) else { return nil }
    let inner = big[(last + 1)...].reduce(1, *)
    return inner > 1 ? inner : nil
}

/// `K.apply` over two float32 tensors when they have the same shape, one is a scalar, one
/// repeats along the last axes of the other (row broadcast) or applies per block of its
/// trailing axes (`blockBroadcast`, a per-channel scale); nil for other broadcasts (the
/// caller then uses `bmap2`). Results equal `bmap2`'s bit for bit (same operation per element).
func fastBinaryF32<K: FloatBinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K.Type) throws -> Tensor? {
    guard a.dtype == .float32, b.dtype == .float32 else { return nil }
    let na = a.count, nb = b.count
    let outShape: [Int]
    var block: (inner: Int, smallIsB: Bool)?
    if a.shape == b.shape || nb == 1 && a.shape.count >= b.shape.count || isRowBroadcast(b.shape, a.shape) {
        outShape = a.shape
    } else if na == 1 && b.shape.count >= a.shape.count || isRowBroadcast(a.shape, b.shape) {
        outShape = b.shape
    } else if let inner = blockBroadcast(b.shape, a.shape) {
        outShape = a.shape
        block = (inner, true)
    } else if let inner = blockBroadcast(a.shape, b.shape) {
        outShape = b.shape
        block = (inner, false)
    } else {
        return nil
    }
    let pa = try elementPointer(a, Float.self), pb = try elementPointer(b, Float.self)
    let (buf, dst, n) = try newOutput(outShape, Float.self)
    withExtendedLifetime((a, b)) {
        if let block {
            blockLoopsF32(pa, pb, dst, n, inner: block.inner, smallIsB: block.smallIsB, K.self)
        } else {
            binaryLoopsF32(pa, na, pb, nb, dst, n, K.self)
        }
    }
    return Tensor(dtype: .float32, shape: outShape, buffer: buf)
}

/// The loops of a `blockBroadcast`: `n` outputs in blocks of `inner`, block `o` combining the
/// big operand's block with element `o` of the small one (`b` when `smallIsB`, else `a`),
/// operands in their order.
func blockLoopsF32<K: FloatBinaryKernel>(
    _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
    inner: Int, smallIsB: Bool, _ k: K.Type
) {
    guard n > 0, inner > 0 else { return }
    parallelItems(n / inner, costPerItem: inner) { o in
        let d = dst + o * inner
        if smallIsB {
            let x = pa + o * inner, y = pb[o]
            for j in 0..<inner { d[j] = K.apply(x[j], y) }
        } else {
            let x = pa[o], y = pb + o * inner
            for j in 0..<inner { d[j] = K.apply(x, y[j]) }
        }
    }
}

/// The loops of `fastBinaryF32`: `n` outputs from `a` (`na` elements) and `b` (`nb`), where
/// each count is `n`, 1, or a row repeating along the last axes. `dst` may be `a` or `b` itself
/// (every element is read before it is written), which the plan's in-place epilogues use.
func binaryLoopsF32<K: FloatBinaryKernel>(
    _ pa: UnsafePointer<Float>, _ na: Int, _ pb: UnsafePointer<Float>, _ nb: Int,
    _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type
) {
    if n == 0 { return }
    if na == n && nb == n {
        parallelChunks(n) { r in for i in r { dst[i] = K.apply(pa[i], pb[i]) } }
    } else if na == n && nb == 1 {
        let y = pb[0]
        parallelChunks(n) { r in for i in r { dst[i] = K.apply(pa[i], y) } }
    } else if nb == n && na == 1 {
        let x = pa[0]
        parallelChunks(n) { r in for i in r { dst[i] = K.apply(x, pb[i]) } }
    } else if na == n {
        let len = nb
        parallelItems(n / len, costPerItem: len) { row in
            let o = row * len, d = dst + o, xa = pa + o
            for j in 0..<len { d[j] = K.apply(xa[j], pb[j]) }
        }
    } else {
        let len = na
        parallelItems(n / len, costPerItem: len) { row in
            let o = row * len, d = dst + o, xb = pb + o
            for j in 0..<len { d[j] = K.apply(pa[j], xb[j]) }
        }
    }
}

/// In place: `p[i] = K.apply(p[i], q[j])`, or `K.apply(q[j], p[i])` when `reversed`, where `q`
/// has `n` elements, 1, or `qn` repeating along `p` (a row). `binaryLoopsF32` with `dst == a`
/// computes the same but runs its scalar loop (the vectoriser's overlap check fails on two
/// equal pointers); this one writes through the pointer it reads, so it vectorises.
func binaryInPlaceF32<K: FloatBinaryKernel>(
    _ p: UnsafeMutablePointer<Float>, _ n: Int, _ q: UnsafePointer<Float>, _ qn: Int, reversed: Bool, _ k: K.Type
) {
    if n == 0 || qn == 0 { return }
    if qn == n {
        if reversed {
            parallelChunks(n) { r in for i in r { p[i] = K.apply(q[i], p[i]) } }
        } else {
            parallelChunks(n) { r in for i in r { p[i] = K.apply(p[i], q[i]) } }
        }
    } else if qn == 1 {
        let y = q[0]
        if reversed {
            parallelChunks(n) { r in for i in r { p[i] = K.apply(y, p[i]) } }
        } else {
            parallelChunks(n) { r in for i in r { p[i] = K.apply(p[i], y) } }
        }
    } else {
        parallelItems(n / qn, costPerItem: qn) { row in
            let d = p + row * qn
            if reversed {
                for j in 0..<qn { d[j] = K.apply(q[j], d[j]) }
            } else {
                for j in 0..<qn { d[j] = K.apply(d[j], q[j]) }
            }
        }
    }
}

/// In place along one axis: `p` is [outer, channels, inner] and `q` has one value per channel
/// (an operand of shape [1, C, 1, 1] against [N, C, H, W]): `p[o][c][i] = K.apply(p[o][c][i], q[c])`,
/// or `K.apply(q[c], ...)` when `reversed`. The same bits as the broadcasting kernel.
func channelInPlaceF32<K: FloatBinaryKernel>(
    _ p: UnsafeMutablePointer<Float>, outer: Int, channels: Int, inner: Int, _ q: UnsafePointer<Float>, reversed: Bool, _ k: K.Type
) {
    if outer == 0 || channels == 0 || inner == 0 { return }
    parallelItems(outer &* channels, costPerItem: inner) { row in
        let y = q[row % channels]
        let d = p + row &* inner
        if reversed {
            for j in 0..<inner { d[j] = K.apply(y, d[j]) }
        } else {
            for j in 0..<inner { d[j] = K.apply(d[j], y) }
        }
    }
}

/// (outer, channels, inner) when `other`, left-padded with 1s to `shape`'s rank, is 1 on every
/// axis but one, where it has `shape`'s extent (a per-channel operand); nil otherwise.
func singleAxisBroadcast(_ shape: [Int], _ other: [Int]) -> (outer: Int, channels: Int, inner: Int)? {
    guard other.count <= shape.count else { return nil }
    let padded = [Int](repeating: 1, count: shape.count - other.count) + other
    var axis: Int?
    for (a, d) in padded.enumerated() where d != 1 {
        guard axis == nil, d == shape[a] else { return nil }
        axis = a
    }
    guard let a = axis else { return nil }
    return (shape[..<a].reduce(1, *), shape[a], shape[(a + 1)...].reduce(1, *))
}

/// `K.apply` over every element of a float32 tensor, split over the kernel threads.
func fastUnaryF32<K: FloatUnaryKernel>(_ x: Tensor, _ k: K.Type) throws -> Tensor {
    let p = try elementPointer(x, Float.self)
    let (buf, dst, n) = try newOutput(x.shape, Float.self)
    withExtendedLifetime(x) { unaryLoopF32(p, dst, n, K.self) }
    return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
}

/// The loop of `fastUnaryF32`: `dst[i] = K.apply(src[i])` for `n` elements, split over the
/// kernel threads. `dst` must not overlap `src`: use `unaryInPlaceF32` for that (with one
/// pointer; two equal pointers fail the vectoriser's overlap check and run the scalar loop,
/// measured 2-4x slower).
func unaryLoopF32<K: FloatUnaryKernel>(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    parallelChunks(n) { r in unaryRunF32(src + r.lowerBound, dst + r.lowerBound, r.count, K.self) }
}

/// `p[i] = K.apply(p[i])` in place (the plan's activation epilogues).
func unaryInPlaceF32<K: FloatUnaryKernel>(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    parallelChunks(n) { r in unaryRunF32(p + r.lowerBound, r.count, K.self) }
}

/// `p[i] = K.apply(p[i])` for `i < n` on the calling thread (a chunk of `unaryInPlaceF32`, a
/// kernel's per-tile epilogue).
@inline(__always)
func unaryRunF32<K: FloatUnaryKernel>(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    unaryRunF32(UnsafePointer(p), p, n, K.self)
}

/// `p[i] = p[i] * K.apply(p[i])` in place: Mul(x, f(x)) in one pass (SiLU is x * sigmoid(x)).
/// Bit for bit what `K.apply` then `MulF` compute (x * s and s * x round alike).
func gatedInPlaceF32<K: FloatUnaryKernel>(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    parallelChunks(n) { r in gatedRunF32(p + r.lowerBound, r.count, K.self) }
}

/// `dst[i] = K.apply(src[i])` for `i < n` on the calling thread (a kept chain's tile epilogue;
/// `dst` may be `src`).
@inline(__always)
func unaryRunF32<K: FloatUnaryKernel>(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    if let f = K.vector, VectorMath.apply(f, src, dst, n) { return }
    for i in 0..<n { dst[i] = K.apply(src[i]) }
}

/// `gatedInPlaceF32` on the calling thread.
@inline(__always)
func gatedRunF32<K: FloatUnaryKernel>(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ k: K.Type) {
    if let f = K.vector, VectorMath.apply(f, p, p, n, gated: true) { return }
    for i in 0..<n { let v = p[i]; p[i] = v * K.apply(v) }
}

/// A binary op for any numeric dtype with the float32 fast path of kernel `K` first.
@inline(__always)
func binaryNumericFast<K: FloatBinaryKernel>(
    _ a: Tensor, _ b: Tensor, _ name: String, _ k: K.Type,
    float: (Float, Float) -> Float, double: (Double, Double) -> Double,
    int: ((Int64, Int64) -> Int64)?, uint: ((UInt64, UInt64) -> UInt64)?
) throws -> Tensor {
    if let r = try fastBinaryF32(a, b, K.self) { return r }
    if let r = try fastBinaryHalf(a, b, K.self) { return r }
    return try binaryNumeric(a, b, name, float: float, double: double, int: int, uint: uint)
}

/// A unary float op with the float32 fast path of kernel `K`.
@inline(__always)
func unaryFloatFast<K: FloatUnaryKernel>(_ x: Tensor, _ name: String, _ k: K.Type, _ d: (Double) -> Double) throws -> Tensor {
    if x.dtype == .float32 { return try fastUnaryF32(x, K.self) }
    if x.dtype == .float16 { return try fastUnaryHalf(x, K.self) }
    return try unaryFloat(x, name, K.apply, d)
}
