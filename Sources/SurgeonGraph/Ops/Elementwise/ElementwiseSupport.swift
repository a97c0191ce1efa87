import Foundation
import SurgeonTensor

// Shared helpers of the Elementwise kernels: a broadcasting binary map with collapsed axes and
// a contiguous inner loop (fast float32 paths), and dtype dispatch for unary / binary ops.

/// Typed read pointer to a tensor's elements; throws if `T` is not its dtype. The caller keeps
/// the tensor alive while using the pointer.
@inline(__always)
func elementPointer<T: TensorScalar>(_ t: Tensor, _ type: T.Type) throws -> UnsafePointer<T> {
    guard T.dtype == t.dtype else { throw TensorError("expected \(T.dtype), got \(t.dtype)") }
    return UnsafePointer(t.rawPointer.bindMemory(to: T.self, capacity: max(t.count, 1)))
}

/// A fresh uninitialised output tensor buffer of `shape` (the caller writes every element).
/// Unlike `Tensor.build` it takes no closure, so the element loops stay in this module and get
/// specialised with the kernel's closure inlined.
@inline(__always)
func newOutput<R: TensorScalar>(_ shape: [Int], _ type: R.Type) throws -> (TensorBuffer, UnsafeMutablePointer<R>, Int) {
    let n = try Tensor.checkedCount(shape, dtype: R.dtype)
    let buf = TensorBuffer(uninitializedByteCount: n * MemoryLayout<R>.stride)
    return (buf, buf.pointer.bindMemory(to: R.self, capacity: max(n, 1)), n)
}

/// `f` applied with numpy broadcasting. Same-shape and scalar operands run one flat loop; other
/// broadcasts merge compatible axes and run a strided inner loop over the last merged axis.
@inline(__always)
func bmap2<A: TensorScalar, B: TensorScalar, R: TensorScalar>(
    _ a: Tensor, _ b: Tensor, _ ta: A.Type, _ tb: B.Type, _ tr: R.Type, _ f: (A, B) -> R
) throws -> Tensor {
    let outShape = a.shape == b.shape ? a.shape : try broadcastShapes([a.shape, b.shape])
    let pa = try elementPointer(a, A.self), pb = try elementPointer(b, B.self)
    let (buf, dst, n) = try newOutput(outShape, R.self)
    let na = a.count, nb = b.count
    withExtendedLifetime((a, b)) {
        if n == 0 { return }
        if na == n && nb == n {
            for i in 0..<n { dst[i] = f(pa[i], pb[i]) }
            return
        }
        if nb == 1 && na == n {
            let y = pb[0]
            for i in 0..<n { dst[i] = f(pa[i], y) }
            return
        }
        if na == 1 && nb == n {
            let x = pa[0]
            for i in 0..<n { dst[i] = f(x, pb[i]) }
            return
        }
        let (collapsed, sa, sb) = collapsedBroadcast(outShape, a.shape, b.shape)
        let rank = collapsed.count
        let inner = collapsed[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        let outer = n / inner
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0, o = 0
        for _ in 0..<outer {
            let d = dst + o, xa = pa + offA, xb = pb + offB
            if ia == 1 && ib == 1 {
                for j in 0..<inner { d[j] = f(xa[j], xb[j]) }
            } else if ia == 1 && ib == 0 {
                let y = xb[0]
                for j in 0..<inner { d[j] = f(xa[j], y) }
            } else if ia == 0 && ib == 1 {
                let x = xa[0]
                for j in 0..<inner { d[j] = f(x, xb[j]) }
            } else {
                for j in 0..<inner { d[j] = f(xa[j * ia], xb[j * ib]) }
            }
            o += inner
            // advance the odometer over the outer axes
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offA += sa[axis]
                offB += sb[axis]
                if index[axis] < collapsed[axis] { break }
                offA -= sa[axis] * collapsed[axis]
                offB -= sb[axis] * collapsed[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
    return Tensor(dtype: R.dtype, shape: outShape, buffer: buf)
}

/// `f` over every element (any element types), fast like `bmap2`.
@inline(__always)
func emap1<A: TensorScalar, R: TensorScalar>(_ a: Tensor, _ ta: A.Type, _ tr: R.Type, _ f: (A) -> R) throws -> Tensor {
    let pa = try elementPointer(a, A.self)
    let (buf, dst, n) = try newOutput(a.shape, R.self)
    withExtendedLifetime(a) {
        for i in 0..<n { dst[i] = f(pa[i]) }
    }
    return Tensor(dtype: R.dtype, shape: a.shape, buffer: buf)
}

/// The output shape and operand strides with adjacent axes merged where both operands walk
/// them contiguously (or both broadcast them); always at least rank 1.
func collapsedBroadcast(_ out: [Int], _ a: [Int], _ b: [Int]) -> ([Int], [Int], [Int]) {
    let sa0 = broadcastStrides(a, to: out), sb0 = broadcastStrides(b, to: out)
    var shape: [Int] = [], sa: [Int] = [], sb: [Int] = []
    for i in 0..<out.count where out[i] != 1 {
        if let last = shape.last,
           sa.last == sa0[i] * out[i], sb.last == sb0[i] * out[i] {
            shape[shape.count - 1] = last * out[i]
            sa[sa.count - 1] = sa0[i]
            sb[sb.count - 1] = sb0[i]
        } else {
            shape.append(out[i]); sa.append(sa0[i]); sb.append(sb0[i])
        }
    }
    if shape.isEmpty { return ([1], [0], [0]) }
    return (shape, sa, sb)
}

/// The same bytes read as another dtype of equal element size (no copy).
func reinterpret(_ t: Tensor, as dtype: DType) throws -> Tensor {
    guard t.dtype != .string, dtype != .string, t.dtype.size == dtype.size else {
        throw TensorError("cannot reinterpret \(t.dtype) as \(dtype)")
    }
    return Tensor(dtype: dtype, shape: t.shape, buffer: t.buffer, byteOffset: t.byteOffset)
}

/// The unsigned integer dtype with the same element size (for byte-moving kernels).
func rawDType(_ d: DType) -> DType {
    switch d.size {
    case 1: return .uint8
    case 2: return .uint16
    case 4: return .uint32
    default: return .uint64
    }
}

/// A unary float function on any float dtype; float32 natively and fast, float16/bfloat16
/// through float32, float64 natively.
@inline(__always)
func unaryFloat(_ x: Tensor, _ name: String, _ f: (Float) -> Float, _ d: (Double) -> Double) throws -> Tensor {
    switch x.dtype.computeClass {
    case .float32: return try emap1(x, Float.self, Float.self, f)
    case .float64: return try emap1(x, Double.self, Double.self, d)
    case .reducedFloat: return try emap1(x.cast(to: .float32), Float.self, Float.self, f).cast(to: x.dtype)
    default: throw TensorError("\(name) needs a floating-point tensor, got \(x.dtype)")
    }
}

/// A unary float predicate on any float dtype, giving bool.
func unaryFloatTest(_ x: Tensor, _ name: String, _ f: (Double) -> Bool) throws -> Tensor {
    switch x.dtype.computeClass {
    case .float32: return try emap1(x, Float.self, Bool.self) { f(Double($0)) }
    case .float64: return try emap1(x, Double.self, Bool.self, f)
    case .reducedFloat: return try emap1(x.cast(to: .float64), Double.self, Bool.self, f)
    default: throw TensorError("\(name) needs a floating-point tensor, got \(x.dtype)")
    }
}

/// A unary op on any numeric dtype: floats as in `unaryFloat`, signed integers through Int64,
/// unsigned through UInt64 (results wrap back to the input dtype). nil closures refuse the class.
@inline(__always)
func unaryNumeric(
    _ x: Tensor, _ name: String,
    float: (Float) -> Float, double: (Double) -> Double,
    int: ((Int64) -> Int64)?, uint: ((UInt64) -> UInt64)?
) throws -> Tensor {
    switch x.dtype.computeClass {
    case .float32, .float64, .reducedFloat: return try unaryFloat(x, name, float, double)
    case .signed:
        guard let int else { break }
        return try emap1(x.cast(to: .int64), Int64.self, Int64.self, int).cast(to: x.dtype)
    case .unsigned:
        guard let uint else { break }
        return try emap1(x.cast(to: .uint64), UInt64.self, UInt64.self, uint).cast(to: x.dtype)
    default: break
    }
    throw TensorError("\(name) does not support \(x.dtype)")
}

/// A binary op over two tensors of one numeric dtype with broadcasting: float32 fast,
/// float64 native, reduced floats through float32, integers through Int64/UInt64 wrapping back.
@inline(__always)
func binaryNumeric(
    _ a: Tensor, _ b: Tensor, _ name: String,
    float: (Float, Float) -> Float, double: (Double, Double) -> Double,
    int: ((Int64, Int64) -> Int64)?, uint: ((UInt64, UInt64) -> UInt64)?
) throws -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(name): operand types differ (\(a.dtype) and \(b.dtype))") }
    switch a.dtype.computeClass {
    case .float32: return try bmap2(a, b, Float.self, Float.self, Float.self, float)
    case .float64: return try bmap2(a, b, Double.self, Double.self, Double.self, double)
    case .reducedFloat:
        return try bmap2(a.cast(to: .float32), b.cast(to: .float32), Float.self, Float.self, Float.self, float)
            .cast(to: a.dtype)
    case .signed:
        guard let int else { break }
        if a.dtype == .int64 { return try bmap2(a, b, Int64.self, Int64.self, Int64.self, int) }
        return try bmap2(a.cast(to: .int64), b.cast(to: .int64), Int64.self, Int64.self, Int64.self, int)
            .cast(to: a.dtype)
    case .unsigned:
        guard let uint else { break }
        return try bmap2(a.cast(to: .uint64), b.cast(to: .uint64), UInt64.self, UInt64.self, UInt64.self, uint)
            .cast(to: a.dtype)
    default: break
    }
    throw TensorError("\(name) does not support \(a.dtype)")
}

/// A binary op on two bool tensors with broadcasting.
func binaryBool(_ a: Tensor, _ b: Tensor, _ name: String, _ f: (Bool, Bool) -> Bool) throws -> Tensor {
    guard a.dtype == .bool, b.dtype == .bool else {
        throw TensorError("\(name) needs bool tensors, got \(a.dtype) and \(b.dtype)")
    }
    return try bmap2(a, b, Bool.self, Bool.self, Bool.self, f)
}

/// A comparison on two tensors of one dtype with broadcasting, giving bool. Floats compare as
/// Double (exact for every float dtype), integers as Int64/UInt64, strings optionally.
@inline(__always)
func compareOp(
    _ a: Tensor, _ b: Tensor, _ name: String,
    double: (Double, Double) -> Bool, int: (Int64, Int64) -> Bool, uint: (UInt64, UInt64) -> Bool,
    string: ((String, String) -> Bool)? = nil
) throws -> Tensor {
    guard a.dtype == b.dtype else { throw TensorError("\(name): operand types differ (\(a.dtype) and \(b.dtype))") }
    switch a.dtype.computeClass {
    case .float32: return try bmap2(a, b, Float.self, Float.self, Bool.self) { double(Double($0), Double($1)) }
    case .float64: return try bmap2(a, b, Double.self, Double.self, Bool.self, double)
    case .reducedFloat:
        return try bmap2(a.cast(to: .float64), b.cast(to: .float64), Double.self, Double.self, Bool.self, double)
    case .signed, .bool:
        return try bmap2(a.cast(to: .int64), b.cast(to: .int64), Int64.self, Int64.self, Bool.self, int)
    case .unsigned:
        return try bmap2(a.cast(to: .uint64), b.cast(to: .uint64), UInt64.self, UInt64.self, Bool.self, uint)
    case .string:
        guard let string else { throw TensorError("\(name) does not support string") }
        return try compare2(a, b, name: name, double: double, int: int, uint: uint, string: string)
    }
}

/// Folds a variadic op over inputs with broadcasting (Max, Min, Sum, Mean).
func foldInputs(_ ctx: OpContext, _ op: (Tensor, Tensor) throws -> Tensor) throws -> Tensor {
    guard ctx.inputCount > 0 else { throw ctx.error("needs at least one input") }
    var acc = try ctx.tensor(0)
    for i in 1..<max(ctx.inputCount, 1) {
        acc = try op(acc, ctx.tensor(i))
    }
    return acc
}

/// Logistic function, branch-free and without exp so loops over it vectorise cheaply:
/// x is clamped to [-17, 17], then `0.5 + x * P(u) / Q(u)` with u = x^2 / 17^2, P and Q of
/// degree 4 (a rational minimax fit of sigmoid(x) - 0.5 on [0, 17], all coefficients
/// positive so Q has no pole; DECISIONS.md 2026-11-27 "sig"), clamped to [0, 1].
/// Absolute error <= 2.2e-7 against `sigmoidReferenceF` for every float; small outputs keep
/// only that absolute accuracy (for x < -10, where sigmoid < 4.6e-5, the relative error
/// grows, up to ~4x at x = -17; x <= -17 gives 0 or ~4e-8). NaN stays NaN, +-inf give 1 / 0.
@inline(__always)
func sigmoidF(_ x0: Float) -> Float {
    // Swift.max/min keep a NaN first argument.
    let x = Swift.min(Swift.max(x0, -17), 17)
    let u = x * x * (1 / 289 as Float)
    var p: Float = 0.096054807305336
    p = p * u + 1.9915648698806763
    p = p * u + 4.601304531097412
    p = p * u + 2.4215023517608643
    p = p * u + 0.2499999850988388
    var q: Float = 22.000972747802734
    q = q * u + 125.80803680419922
    q = q * u + 135.6761932373047
    q = q * u + 33.769325256347656
    q = q * u + 1
    return Swift.max(Swift.min(x * p / q + 0.5, 1), 0)
}

/// The libm logistic function that `sigmoidF` replaced (the yardstick in tests).
func sigmoidReferenceF(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

/// `exp(x)` for float32 without calls or branches (Cephes polynomial, Cody-Waite reduction,
/// the power of two built in the exponent bits), so that loops over it vectorise. Within
/// 2 ulp of libm's expf for x in [-87.3, 88.3]; arguments are clamped to that range (larger
/// ones give 2.2e38 instead of infinity, smaller ones 1.2e-38 instead of a denormal); NaN
/// stays NaN.
@inline(__always)
func fastExpF(_ x0: Float) -> Float {
    // Swift.max/min keep a NaN first argument.
    let x = Swift.min(Swift.max(x0, -87.3), 88.3)
    // n = round(x / ln 2) with the 1.5 * 2^23 trick: its low mantissa bits hold n.
    let magic: Float = 12582912
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    // 2^n: n + 127 in the exponent field (n in [-126, 127] after the clamp).
    let scale = Float(bitPattern: (t.bitPattern &- magic.bitPattern &+ 127) &<< 23)
    return x0.isNaN ? x0 : p * scale
}

@inline(__always)
func sigmoidD(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}

/// log(1 + exp(x)) without overflow.
@inline(__always)
func softplusD(_ x: Double) -> Double {
    x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
}

@inline(__always)
func softplusF(_ x: Float) -> Float {
    x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
}

/// A binary op on two tensors of one integer dtype (the Bitwise ops).
@inline(__always)
func binaryInteger(
    _ a: Tensor, _ b: Tensor, _ name: String,
    int: ((Int64, Int64) -> Int64)?, uint: ((UInt64, UInt64) -> UInt64)?
) throws -> Tensor {
    guard a.dtype.isInteger else { throw TensorError("\(name) needs integer tensors, got \(a.dtype)") }
    return try binaryNumeric(a, b, name, float: { a, _ in a }, double: { a, _ in a }, int: int, uint: uint)
}
