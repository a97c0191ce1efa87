import SurgeonTensor

// Fast float32 paths of the elementwise ops, split over the kernel threads for large tensors.
// The per-element operation is a static function of a generic kernel type (not a captured
// closure) so each specialised loop inlines it and vectorises inside the parallel chunk.
// The general kernels (`bmap2` / `emap1`) stay the yardstick in tests.

/// A float32 binary operation for `fastBinaryF32`.
protocol FloatBinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float
}

/// A float32 unary operation for `fastUnaryF32`.
protocol FloatUnaryKernel {
    static func apply(_ x: Float) -> Float
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

/// `K.apply` over two float32 tensors when they have the same shape, one is a scalar, or one
/// repeats along the last axes of the other (row broadcast); nil for other broadcasts (the
/// caller then uses `bmap2`). Results equal `bmap2`'s bit for bit (same operation per element).
func fastBinaryF32<K: FloatBinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K.Type) throws -> Tensor? {
    guard a.dtype == .float32, b.dtype == .float32 else { return nil }
    let na = a.count, nb = b.count
    let outShape: [Int]
    if a.shape == b.shape || nb == 1 && a.shape.count >= b.shape.count || isRowBroadcast(b.shape, a.shape) {
        outShape = a.shape
    } else if na == 1 && b.shape.count >= a.shape.count || isRowBroadcast(a.shape, b.shape) {
        outShape = b.shape
    } else {
        return nil
    }
    let pa = try elementPointer(a, Float.self), pb = try elementPointer(b, Float.self)
    let (buf, dst, n) = try newOutput(outShape, Float.self)
    withExtendedLifetime((a, b)) { binaryLoopsF32(pa, na, pb, nb, dst, n, K.self) }
    return Tensor(dtype: .float32, shape: outShape, buffer: buf)
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

/// `K.apply` over every element of a float32 tensor, split over the kernel threads.
func fastUnaryF32<K: FloatUnaryKernel>(_ x: Tensor, _ k: K.Type) throws -> Tensor {
    let p = try elementPointer(x, Float.self)
    let (buf, dst, n) = try newOutput(x.shape, Float.self)
    withExtendedLifetime(x) {
        parallelChunks(n) { r in for i in r { dst[i] = K.apply(p[i]) } }
    }
    return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
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
