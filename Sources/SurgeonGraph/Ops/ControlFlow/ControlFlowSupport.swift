import Foundation
import SurgeonTensor

// Shared helpers of the ControlFlow group (subgraph ops, sequences, strings, signal ops).

/// The single element of a tensor that must hold exactly one value, as Int.
func cfScalarInt(_ t: Tensor, _ what: String) throws -> Int {
    guard t.count == 1 else { throw TensorError("\(what) must hold one value, got \(t.typeDescription)") }
    if t.dtype.isFloatingPoint {
        let d = t.doubleArray()[0]
        guard d.isFinite, abs(d) < 9.0e18 else { throw TensorError("\(what) is not a valid integer (\(d))") }
        return Int(d)
    }
    return t.intArray()[0]
}

/// The single element of a tensor that must hold exactly one value, as Double.
func cfScalarDouble(_ t: Tensor, _ what: String) throws -> Double {
    guard t.count == 1 else { throw TensorError("\(what) must hold one value, got \(t.typeDescription)") }
    return t.doubleArray()[0]
}

/// The single element of a bool-like tensor.
func cfScalarBool(_ t: Tensor, _ what: String) throws -> Bool {
    guard t.count == 1 else { throw TensorError("\(what) must hold one value, got \(t.typeDescription)") }
    return t.boolArray()[0]
}

/// Stacks same-shaped tensors along a new leading axis.
func cfStack(_ parts: [Tensor]) throws -> Tensor {
    guard let first = parts.first else { throw TensorError("cannot stack an empty list of tensors") }
    for p in parts where p.shape != first.shape || p.dtype != first.dtype {
        throw TensorError("cannot stack \(first.typeDescription) with \(p.typeDescription)")
    }
    let lifted = try parts.map { try $0.reshaped([1] + $0.shape) }
    return try Tensor.concat(lifted, axis: 0)
}

/// Permutes the axes of `t`: output axis i is input axis perm[i].
func cfTranspose(_ t: Tensor, perm: [Int]) throws -> Tensor {
    guard perm.count == t.rank, Set(perm) == Set(0..<t.rank) else {
        throw TensorError("invalid permutation \(perm) for rank \(t.rank)")
    }
    if perm == Array(0..<t.rank) { return t }
    let inStrides = contiguousStrides(t.shape)
    let outShape = perm.map { t.shape[$0] }
    let strides = perm.map { inStrides[$0] }
    var idx = [Int](repeating: 0, count: outShape.reduce(1, *))
    forEachBroadcast(outShape, [strides]) { i, off in idx[i] = off[0] }
    return try t.take(flatIndices: idx, shape: outShape)
}

/// Moves axis 0 of `t` to position `axis` (keeping the order of the others).
func cfMoveAxis0(_ t: Tensor, to axis: Int) throws -> Tensor {
    if axis == 0 { return t }
    var perm = Array(1..<t.rank)
    perm.insert(0, at: axis)
    return try cfTranspose(t, perm: perm)
}

/// `length` entries of `t` along `axis` starting at `start` (axis kept).
func cfNarrow(_ t: Tensor, axis: Int, start: Int, length: Int) throws -> Tensor {
    guard axis >= 0, axis < t.rank, start >= 0, length >= 0, start + length <= t.shape[axis] else {
        throw TensorError("slice \(start)..<\(start + length) on axis \(axis) is out of range for \(t.typeDescription)")
    }
    let outer = t.shape[..<axis].reduce(1, *)
    let inner = t.shape[(axis + 1)...].reduce(1, *)
    let dim = t.shape[axis]
    var idx: [Int] = []
    idx.reserveCapacity(outer * length * inner)
    for o in 0..<outer {
        for k in start..<(start + length) {
            let base = (o * dim + k) * inner
            for i in 0..<inner { idx.append(base + i) }
        }
    }
    var shape = t.shape
    shape[axis] = length
    return try t.take(flatIndices: idx, shape: shape)
}

/// Entry `index` of `t` along `axis`, with that axis removed.
func cfSelect(_ t: Tensor, axis: Int, index: Int) throws -> Tensor {
    let part = try cfNarrow(t, axis: axis, start: index, length: 1)
    var shape = t.shape
    shape.remove(at: axis)
    return try part.reshaped(shape)
}

/// A sequence position (negative counts from the back) checked against `count`; `allowEnd`
/// admits `count` itself (insertion at the back).
func cfSequencePosition(_ t: Tensor?, count: Int, allowEnd: Bool, default def: Int) throws -> Int {
    guard let t else { return def }
    let p = try cfScalarInt(t, "position")
    let q = p < 0 ? p + count : p
    let hi = allowEnd ? count : count - 1
    guard q >= 0 && q <= hi else {
        throw TensorError("position \(p) is out of range for a sequence of \(count)")
    }
    return q
}

/// The dtype a declared graph value type names, if any.
func cfDeclaredDType(_ type: ValueType) -> DType? {
    switch type {
    case .tensor(let d, _): return d
    case .optional(let inner): return cfDeclaredDType(inner)
    default: return nil
    }
}

/// A generalized-cosine window of `size` points: a0 - a1 cos(2πn/N) + a2 cos(4πn/N) with
/// N = size (periodic) or size - 1 (symmetric), in `output_datatype` (default float32).
func cfCosineWindow(_ ctx: OpContext, _ a0: Double, _ a1: Double, _ a2: Double) throws -> [Value] {
    let size = try cfScalarInt(ctx.tensor(0), "size")
    guard size >= 0 else { throw ctx.error("size \(size) must not be negative") }
    let periodic = try ctx.int("periodic", 1) != 0
    let dtype = try ctx.dtype("output_datatype", .float32)
    let denom = Double(periodic ? size : size - 1)
    var w = [Double](repeating: 0, count: size)
    for n in 0..<size {
        let x = denom == 0 ? 0 : 2 * Double.pi * Double(n) / denom
        w[n] = a0 - a1 * cos(x) + a2 * cos(2 * x)
    }
    return [.tensor(try Tensor(doubles: w, shape: [size], dtype: dtype))]
}

/// A 1-D complex DFT of length n (radix-2 FFT for powers of two, direct sum otherwise).
/// `sign` is -1 for the forward transform, +1 for the (unscaled) inverse.
struct CFFourier {
    let n: Int
    let sign: Double
    private let cosTable: [Double]
    private let sinTable: [Double]

    init(length n: Int, sign: Double) {
        self.n = n
        self.sign = sign
        var c = [Double](repeating: 0, count: max(n, 1)), s = c
        for k in 0..<n {
            let a = 2 * Double.pi * Double(k) / Double(n)
            c[k] = cos(a)
            s[k] = sign * sin(a)
        }
        cosTable = c
        sinTable = s
    }

    /// Transforms `re`/`im` (each of length n) in place.
    func transform(_ re: inout [Double], _ im: inout [Double]) {
        if n <= 1 { return }
        if n & (n - 1) == 0 { fft(&re, &im); return }
        var outRe = [Double](repeating: 0, count: n), outIm = outRe
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            var idx = 0
            for j in 0..<n {
                let c = cosTable[idx], s = sinTable[idx]
                sr += re[j] * c - im[j] * s
                si += re[j] * s + im[j] * c
                idx += k
                if idx >= n { idx -= n }
            }
            outRe[k] = sr
            outIm[k] = si
        }
        re = outRe
        im = outIm
    }

    private func fft(_ re: inout [Double], _ im: inout [Double]) {
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let step = n / len
            var start = 0
            while start < n {
                for k in 0..<(len / 2) {
                    let c = cosTable[k * step], s = sinTable[k * step]
                    let a = start + k, b = a + len / 2
                    let tr = re[b] * c - im[b] * s
                    let ti = re[b] * s + im[b] * c
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
                start += len
            }
            len <<= 1
        }
    }
}

/// DFT along `axis` of a signal tensor whose last axis is 1 (real) or 2 (complex). Returns the
/// transformed values, as complex (last axis 2) unless `realOutput` (inverse one-sided: the
/// Hermitian spectrum is expanded and the real part returned, last axis 1).
/// - length: the DFT length n (input lines are cut or zero-padded to it);
/// - keep: how many output bins to return along the axis.
func cfDFT(_ x: Tensor, axis: Int, length n: Int, inverse: Bool, hermitianInput: Bool, keep: Int, scale: Double) throws -> Tensor {
    guard x.rank >= 2, let last = x.shape.last, last == 1 || last == 2 else {
        throw TensorError("DFT input must end in an axis of 1 (real) or 2 (complex), got \(x.typeDescription)")
    }
    guard axis >= 0, axis < x.rank - 1 else { throw TensorError("DFT axis \(axis) is out of range for \(x.typeDescription)") }
    guard n >= 1 else { throw TensorError("DFT length \(n) must be positive") }
    let complexIn = last == 2
    let signal = Array(x.shape.dropLast())
    let outer = signal[..<axis].reduce(1, *)
    let inner = signal[(axis + 1)...].reduce(1, *)
    let lenIn = signal[axis]
    let realOutput = hermitianInput
    var outShape = signal
    outShape[axis] = keep
    outShape.append(realOutput ? 1 : 2)
    let data = x.doubleArray()
    var out = [Double](repeating: 0, count: try Tensor.checkedCount(outShape, dtype: .float64))
    let plan = CFFourier(length: n, sign: inverse ? 1 : -1)
    var re = [Double](repeating: 0, count: n), im = re
    for o in 0..<outer {
        for i in 0..<inner {
            for k in 0..<n { re[k] = 0; im[k] = 0 }
            if hermitianInput {
                // Input holds bins 0...n/2; the rest mirror them conjugated.
                let half = n / 2
                for k in 0...half where k < lenIn {
                    let src = ((o * lenIn + k) * inner + i) * last
                    re[k] = data[src]
                    im[k] = complexIn ? data[src + 1] : 0
                }
                if half >= 1 {
                    for k in 1...half where n - k > half {
                        re[n - k] = re[k]
                        im[n - k] = -im[k]
                    }
                }
            } else {
                for k in 0..<min(n, lenIn) {
                    let src = ((o * lenIn + k) * inner + i) * last
                    re[k] = data[src]
                    im[k] = complexIn ? data[src + 1] : 0
                }
            }
            plan.transform(&re, &im)
            for k in 0..<keep {
                let dst = ((o * keep + k) * inner + i) * (realOutput ? 1 : 2)
                out[dst] = re[k] * scale
                if !realOutput { out[dst + 1] = im[k] * scale }
            }
        }
    }
    return try Tensor(doubles: out, shape: outShape, dtype: x.dtype)
}

/// The generator of the random ops: SplitMix64, seeded from the `seed` attribute when there is
/// one (the values cannot match other runtimes' generators; shapes and dtypes do).
struct CFRandom {
    private var state: UInt64

    init(_ ctx: OpContext) throws {
        if ctx.has("seed") {
            state = UInt64(bitPattern: Int64(try ctx.float("seed", 0).bitPattern)) &+ 0x9E37_79B9_7F4A_7C15
        } else {
            state = UInt64.random(in: .min ... .max)
        }
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box-Muller).
    mutating func normal() -> Double {
        let u1 = max(uniform(), Double.leastNonzeroMagnitude)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Output dtype of a random op: the `dtype` attribute, else `fallback`; must be floating point.
func cfRandomDType(_ ctx: OpContext, _ fallback: DType) throws -> DType {
    let d = try ctx.dtype("dtype", fallback)
    guard d.isFloatingPoint else { throw ctx.error("dtype \(d) is not a floating-point type") }
    return d
}

/// The `shape` attribute of RandomUniform/RandomNormal.
func cfShapeAttribute(_ ctx: OpContext) throws -> [Int] {
    guard let s = try ctx.ints("shape") else { throw ctx.error("needs the 'shape' attribute") }
    guard s.allSatisfy({ $0 >= 0 }) else { throw ctx.error("shape \(s) has a negative dimension") }
    return s
}
