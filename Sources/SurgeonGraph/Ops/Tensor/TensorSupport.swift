import SurgeonTensor

// Shared helpers of the Tensor (data-movement / construction) kernels.
//
// Most kernels here reduce to one of three primitives:
// - `stridedCopy`: read the input through arbitrary (possibly zero or negative) element strides
//   from a start offset — Transpose, Slice, Expand, Tile. Byte-level and dtype-agnostic, with
//   memcpy of the innermost run when it is contiguous.
// - `gatherFlat`: elements by flat index, where -1 stands for a fill value — Pad, Trilu,
//   CenterCropPad, OneHot, ConstantOfShape.
// - `axisMapTake`: per-axis coordinate maps combined into flat indices (-1 = fill).
// Arithmetic (scatter reductions, cumulative sums, Range) goes through `WideArray`, which holds
// the elements as Double, Int64 or UInt64.

// MARK: - integer inputs

extension OpContext {
    /// Optional input `i` read as integers (shapes, axes, indices); nil when absent.
    func optionalInts(_ i: Int) throws -> [Int]? {
        guard let t = try optionalTensor(i) else { return nil }
        guard t.dtype.isInteger || t.dtype == .bool else {
            throw error("input \(i + 1) should hold integers, got \(t.typeDescription)")
        }
        return t.intArray()
    }

    /// Required input `i` read as integers.
    func requiredInts(_ i: Int) throws -> [Int] {
        let t = try tensor(i)
        guard t.dtype.isInteger else {
            throw error("input \(i + 1) should hold integers, got \(t.typeDescription)")
        }
        return t.intArray()
    }

    /// A single integer from input `i` (a scalar or one-element tensor), nil when absent.
    func optionalScalarInt(_ i: Int) throws -> Int? {
        guard let t = try optionalTensor(i) else { return nil }
        guard t.count == 1 else { throw error("input \(i + 1) should be a single value, got \(t.typeDescription)") }
        return t.intArray()[0]
    }
}

/// Normalises a list of axes against `rank`, refusing out-of-range and repeated axes.
func normalizeAxes(_ axes: [Int], rank: Int, op: String) throws -> [Int] {
    // A flag per axis, not a Set: no hashing per call (shape ops on tiny tensors run this per node).
    var seen = [Bool](repeating: false, count: max(rank, 0))
    return try axes.map { a in
        let n = try normalizeAxis(a, rank: rank, op: op)
        guard !seen[n] else { throw TensorError("\(op): axis \(a) is repeated") }
        seen[n] = true
        return n
    }
}

/// Wraps a possibly negative index into `0..<n`, or throws naming the op.
@inline(__always)
func wrapIndex(_ i: Int, _ n: Int, op: String) throws -> Int {
    let j = i < 0 ? i + n : i
    guard j >= 0 && j < n else { throw TensorError("\(op): index \(i) is out of range for a dimension of \(n)") }
    return j
}

/// Product of extents.
@inline(__always)
func product<C: Collection>(_ c: C) -> Int where C.Element == Int { c.reduce(1, *) }

// MARK: - data movement primitives

extension Tensor {
    /// Elements at flat indices as a new tensor of `shape`; an index of -1 takes `fill` (a
    /// one-element tensor of this dtype, or the dtype's zero when nil).
    func gatherFlat(_ idx: [Int], shape newShape: [Int], fill: Tensor? = nil) throws -> Tensor {
        let n = try Tensor.checkedCount(newShape, dtype: dtype)
        guard n == idx.count else { throw TensorError("internal: index count \(idx.count) != \(n)") }
        let total = count
        var needsFill = false
        for i in idx {
            if i == -1 { needsFill = true; continue }
            if i < 0 || i >= total { throw TensorError("index \(i) out of range for \(typeDescription)") }
        }
        if !needsFill { return try take(flatIndices: idx, shape: newShape) }
        let fillT = try (fill ?? Tensor(zeros: dtype, shape: [1])).cast(to: dtype)
        guard fillT.count >= 1 else { throw TensorError("internal: empty fill value") }
        if dtype == .string {
            let f = fillT.strings[0]
            return Tensor(shape: newShape, strings: idx.map { $0 < 0 ? f : strings[$0] })
        }
        let size = dtype.size
        let buf = TensorBuffer(uninitializedByteCount: n * size)
        let src = rawPointer, dst = buf.pointer, fp = fillT.rawPointer
        func copy<T>(_ t: T.Type) {
            let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
            let f = fp.assumingMemoryBound(to: T.self)[0]
            for (o, i) in idx.enumerated() { d[o] = i < 0 ? f : s[i] }
        }
        switch size {
        case 1: copy(UInt8.self)
        case 2: copy(UInt16.self)
        case 4: copy(UInt32.self)
        default: copy(UInt64.self)
        }
        return Tensor(dtype: dtype, shape: newShape, buffer: buf)
    }

    /// Row-major element strides of this tensor.
    var strides: [Int] { contiguousStrides(shape) }

    /// A one-element tensor holding element `i`.
    func element(_ i: Int) throws -> Tensor { try take(flatIndices: [i], shape: []) }
}

/// Reads `t` through element `strides` from element `offset`, producing a contiguous tensor of
/// `shape`. Strides may be zero (broadcast) or negative (reversal); every reachable offset is
/// checked against the input first.
///
/// When the second-innermost (merged) axis reads contiguously and the innermost does not — a
/// swap of the last two axes, NCHW↔NHWC and most other transposes — the last two axes go as
/// blocked tile transposes (`transposeTiles`); `tiled: false` forces the general loop (tests).
func stridedCopy(_ t: Tensor, shape: [Int], strides: [Int], offset: Int, tiled: Bool = true) throws -> Tensor {
    guard shape.count == strides.count else { throw TensorError("internal: stridedCopy rank mismatch") }
    let n = try Tensor.checkedCount(shape, dtype: t.dtype)
    if n == 0 { return try Tensor(zeros: t.dtype, shape: shape) }
    var lo = offset, hi = offset
    for (d, s) in zip(shape, strides) {
        let span = (d - 1) * s
        if span < 0 { lo += span } else { hi += span }
    }
    guard lo >= 0 && hi < t.count else {
        throw TensorError("internal: strided read [\(lo), \(hi)] outside \(t.typeDescription)")
    }
    // Drop unit axes and merge axes that are contiguous with their inner neighbour.
    var dims: [Int] = [], strs: [Int] = []
    for (d, s) in zip(shape, strides) where d != 1 {
        if let last = dims.last, let ls = strs.last, ls == s * d {
            dims[dims.count - 1] = last * d
            strs[strs.count - 1] = s
        } else {
            dims.append(d); strs.append(s)
        }
    }
    if dims.isEmpty { dims = [1]; strs = [1] }
    if t.dtype == .string {
        var idx = [Int](repeating: 0, count: n)
        forEachBroadcast(dims, [strs]) { i, off in idx[i] = offset + off[0] }
        return try t.take(flatIndices: idx, shape: shape)
    }
    let size = t.dtype.size
    let buf = TensorBuffer(uninitializedByteCount: n * size)
    let src = t.rawPointer, dst = buf.pointer
    if tiled, dims.count >= 2, strs[dims.count - 2] == 1, strs[dims.count - 1] != 1,
       dims[dims.count - 1] >= 4, dims[dims.count - 2] >= 4 {
        transposeTiles(src: src, dst: dst, size: size, offset: offset, dims: dims, strides: strs)
        return Tensor(dtype: t.dtype, shape: shape, buffer: buf)
    }
    let inner = dims.removeLast(), innerStride = strs.removeLast()
    // Constants for the chunks' closure (captured `var`s cost a dynamic exclusivity check
    // per access there).
    let outerDims = dims, outerStrides = strs
    let outerCount = product(outerDims)
    let rank = outerDims.count
    // Runs of `inner` elements; large copies (ViT's head transposes, 1.8 MB) split the runs
    // among the kernel threads, each chunk starting its odometer at its first run.
    func run<T>(_ ty: T.Type) {
        let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
        parallelChunks(outerCount, grain: max(1, parallelGrain / max(inner, 1))) { chunk in
            var index = [Int](repeating: 0, count: rank)
            var base = offset, rest = chunk.lowerBound
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                index[axis] = rest % outerDims[axis]
                rest /= outerDims[axis]
                base += index[axis] * outerStrides[axis]
            }
            var odometer = StrideOdometer(dims: outerDims, strides: outerStrides, index: index, offset: base)
            var o = chunk.lowerBound * inner
            for _ in chunk {
                let base = odometer.offset
                if innerStride == 1 {
                    (d + o).update(from: s + base, count: inner)
                } else if innerStride == 0 {
                    // A broadcast run (Expand of [3, 1, 1] to [3, 320, 320]): one value
                    // repeated, a vectorised fill instead of a load per element.
                    (d + o).update(repeating: s[base], count: inner)
                } else {
                    var p = base
                    for k in 0..<inner { d[o + k] = s[p]; p += innerStride }
                }
                o += inner
                odometer.advance()
            }
        }
    }
    switch size {
    case 1: run(UInt8.self)
    case 2: run(UInt16.self)
    case 4: run(UInt32.self)
    default: run(UInt64.self)
    }
    return Tensor(dtype: t.dtype, shape: shape, buffer: buf)
}

/// Row-major steps through the index space `dims` with the offset the index has under
/// `strides` kept up to date: one add per step but when an axis wraps (`stridedCopy`'s runs,
/// `GatherElements.withElementOffsets`' rows).
struct StrideOdometer {
    let dims: [Int], strides: [Int]
    var index: [Int]
    var offset: Int

    /// At `index` (whose offset is `offset`).
    init(dims: [Int], strides: [Int], index: [Int], offset: Int) {
        self.dims = dims
        self.strides = strides
        self.index = index
        self.offset = offset
    }

    /// To the next index (the last axis fastest); past the end it wraps to all zeros.
    @inline(__always)
    mutating func advance() {
        var axis = dims.count - 1
        while axis >= 0 {
            index[axis] += 1
            offset += strides[axis]
            if index[axis] < dims[axis] { return }
            offset -= strides[axis] * dims[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}

/// `stridedCopy`'s transpose path: with `R = dims[-2]` (input stride 1) and `C = dims[-1]`
/// (input stride `ls`), each output matrix `[R, C]` is `out[r][c] = in[base + r + c*ls]`, the
/// outer axes walked with an odometer. Tiles of 32 × 32 keep the 32 input runs and the 32
/// output rows in L1 (and within few pages), unlike a row of reads `ls` apart per output row.
/// Large copies split the output rows over the kernel threads.
func transposeTiles(src: UnsafeRawPointer, dst: UnsafeMutableRawPointer, size: Int, offset: Int,
                    dims: [Int], strides: [Int]) {
    let rank = dims.count
    let rows = dims[rank - 2], cols = dims[rank - 1], ls = strides[rank - 1]
    let outerDims = Array(dims[0..<(rank - 2)]), outerStrides = Array(strides[0..<(rank - 2)])
    let outerCount = product(outerDims)
    let matrix = rows * cols
    // Input offsets of every outer index (few: batch or channel-block axes).
    var bases = [Int](repeating: offset, count: outerCount)
    if !outerDims.isEmpty {
        forEachBroadcast(outerDims, [outerStrides]) { i, off in bases[i] = offset + off[0] }
    }
    func run<T>(_ ty: T.Type) {
        let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
        let tile = 32
        // Items: (outer index, block of `tile` output rows).
        let rowBlocks = (rows + tile - 1) / tile
        parallelChunks(outerCount * rowBlocks, grain: max(1, parallelGrain / max(1, tile * cols))) { chunk in
            for item in chunk {
                let o = item / rowBlocks, r0 = (item % rowBlocks) * tile
                let r1 = min(rows, r0 + tile)
                let sb = s + bases[o], db = d + o * matrix
                var c0 = 0
                while c0 < cols {
                    let c1 = min(cols, c0 + tile)
                    if T.self == UInt32.self && r1 - r0 == tile && c1 - c0 == tile {
                        // Full tile of 4-byte elements: 4 × 4 blocks through registers.
                        let s32 = UnsafeRawPointer(sb), d32 = UnsafeMutableRawPointer(db)
                        var c = c0
                        while c < c1 {
                            var r = r0
                            while r < r1 {
                                let i0 = s32.loadUnaligned(fromByteOffset: 4 &* (c &* ls &+ r), as: SIMD4<UInt32>.self)
                                let i1 = s32.loadUnaligned(fromByteOffset: 4 &* ((c &+ 1) &* ls &+ r), as: SIMD4<UInt32>.self)
                                let i2 = s32.loadUnaligned(fromByteOffset: 4 &* ((c &+ 2) &* ls &+ r), as: SIMD4<UInt32>.self)
                                let i3 = s32.loadUnaligned(fromByteOffset: 4 &* ((c &+ 3) &* ls &+ r), as: SIMD4<UInt32>.self)
                                let o = 4 &* (r &* cols &+ c)
                                d32.storeBytes(of: SIMD4(i0[0], i1[0], i2[0], i3[0]), toByteOffset: o, as: SIMD4<UInt32>.self)
                                d32.storeBytes(of: SIMD4(i0[1], i1[1], i2[1], i3[1]), toByteOffset: o &+ 4 &* cols, as: SIMD4<UInt32>.self)
                                d32.storeBytes(of: SIMD4(i0[2], i1[2], i2[2], i3[2]), toByteOffset: o &+ 8 &* cols, as: SIMD4<UInt32>.self)
                                d32.storeBytes(of: SIMD4(i0[3], i1[3], i2[3], i3[3]), toByteOffset: o &+ 12 &* cols, as: SIMD4<UInt32>.self)
                                r &+= 4
                            }
                            c &+= 4
                        }
                        c0 = c1
                        continue
                    }
                    for c in c0..<c1 {
                        // One contiguous input run, written down a column of the tile.
                        let line = sb + c &* ls
                        var q = db + (r0 &* cols &+ c)
                        for r in r0..<r1 { q.pointee = line[r]; q += cols }
                    }
                    c0 = c1
                }
            }
        }
    }
    switch size {
    case 1: run(UInt8.self)
    case 2: run(UInt16.self)
    case 4: run(UInt32.self)
    default: run(UInt64.self)
    }
}

/// Builds flat indices from per-axis coordinate maps: output element (o0, o1, ...) reads input
/// element (maps[0][o0], maps[1][o1], ...), or the fill value when any coordinate is -1.
func axisMapTake(_ t: Tensor, maps: [[Int]], fill: Tensor?) throws -> Tensor {
    guard maps.count == t.rank else { throw TensorError("internal: axisMapTake rank mismatch") }
    let outShape = maps.map(\.count)
    _ = try Tensor.checkedCount(outShape, dtype: t.dtype)
    let strides = t.strides
    var idx = [0]
    for (d, m) in maps.enumerated() {
        var next: [Int] = []
        next.reserveCapacity(idx.count * m.count)
        for p in idx {
            for c in m {
                if p < 0 || c < 0 { next.append(-1); continue }
                guard c < t.shape[d] else { throw TensorError("internal: coordinate \(c) out of range") }
                next.append(p + c * strides[d])
            }
        }
        idx = next
    }
    return try t.gatherFlat(idx, shape: outShape, fill: fill)
}

/// Whether `perm` holds each of `0 ..< perm.count` once.
func isPermutation(_ perm: [Int]) -> Bool {
    var seen = [Bool](repeating: false, count: perm.count)
    for a in perm {
        guard a >= 0, a < perm.count, !seen[a] else { return false }
        seen[a] = true
    }
    return true
}

/// Transposes `t` by `perm` (a permutation of its axes).
func transposed(_ t: Tensor, perm: [Int]) throws -> Tensor {
    guard perm.count == t.rank, isPermutation(perm) else {
        throw TensorError("Transpose: perm \(perm) is not a permutation of \(t.rank) axes")
    }
    let shape = perm.map { t.shape[$0] }
    // Axes of extent 1 moved among the others ([1, 197, 768] → [197, 1, 768], ViT's attention
    // blocks): the elements keep their order, so the result is the same bytes, reshaped.
    let moved = perm.filter { t.shape[$0] != 1 }
    if t.dtype != .string, zip(moved, moved.dropFirst()).allSatisfy({ $0 < $1 }) { return try t.reshaped(shape) }
    let st = t.strides
    return try stridedCopy(t, shape: shape, strides: perm.map { st[$0] }, offset: 0)
}

// MARK: - wide arithmetic

/// The scalar types general arithmetic kernels compute in.
protocol WideScalar: Comparable {
    static var wideZero: Self { get }
    static var wideOne: Self { get }
    static func wadd(_ a: Self, _ b: Self) -> Self
    static func wmul(_ a: Self, _ b: Self) -> Self
}

extension Double: WideScalar {
    static var wideZero: Double { 0 }
    static var wideOne: Double { 1 }
    static func wadd(_ a: Double, _ b: Double) -> Double { a + b }
    static func wmul(_ a: Double, _ b: Double) -> Double { a * b }
}

extension Int64: WideScalar {
    static var wideZero: Int64 { 0 }
    static var wideOne: Int64 { 1 }
    static func wadd(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    static func wmul(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
}

extension UInt64: WideScalar {
    static var wideZero: UInt64 { 0 }
    static var wideOne: UInt64 { 1 }
    static func wadd(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }
    static func wmul(_ a: UInt64, _ b: UInt64) -> UInt64 { a &* b }
}

/// A numeric tensor's elements in its wide compute type.
enum WideArray {
    case double([Double])
    case int([Int64])
    case uint([UInt64])

    init(_ t: Tensor, op: String) throws {
        switch t.dtype.computeClass {
        case .float32, .float64, .reducedFloat: self = .double(t.doubleArray())
        case .signed, .bool: self = .int(t.int64Array())
        case .unsigned: self = .uint(t.uint64Array())
        case .string: throw TensorError("\(op) does not support string tensors")
        }
    }

    func tensor(shape: [Int], dtype: DType) throws -> Tensor {
        switch self {
        case .double(let v): return try Tensor(doubles: v, shape: shape, dtype: dtype)
        case .int(let v): return try Tensor(int64s: v, shape: shape, dtype: dtype)
        case .uint(let v): return try Tensor(uint64s: v, shape: shape, dtype: dtype)
        }
    }
}

/// Applies `body` to `t`'s elements in their wide type and builds a tensor of `t`'s dtype
/// (or `dtype`) from the result.
func withWide(
    _ t: Tensor, op: String, shape: [Int]? = nil, dtype: DType? = nil,
    _ body: WideBody
) throws -> Tensor {
    let outShape = shape ?? t.shape
    let dt = dtype ?? t.dtype
    switch try WideArray(t, op: op) {
    case .double(let v): return try WideArray.double(body.apply(v)).tensor(shape: outShape, dtype: dt)
    case .int(let v): return try WideArray.int(body.apply(v)).tensor(shape: outShape, dtype: dt)
    case .uint(let v): return try WideArray.uint(body.apply(v)).tensor(shape: outShape, dtype: dt)
    }
}

/// A computation generic over the wide scalar type.
protocol WideBody {
    func apply<T: WideScalar>(_ v: [T]) throws -> [T]
}

/// Element ordering for sorting kernels (TopK, Unique): numbers by value (NaN last), strings
/// lexicographically.
enum SortKeys {
    case double([Double])
    case int([Int64])
    case uint([UInt64])
    case string([String])

    init(_ t: Tensor) {
        switch t.dtype.computeClass {
        case .float32, .float64, .reducedFloat: self = .double(t.doubleArray())
        case .signed, .bool: self = .int(t.int64Array())
        case .unsigned: self = .uint(t.uint64Array())
        case .string: self = .string(t.strings)
        }
    }

    /// Strict weak order on elements `i` and `j`.
    @inline(__always)
    func less(_ i: Int, _ j: Int) -> Bool {
        switch self {
        case .double(let v):
            let a = v[i], b = v[j]
            if a.isNaN { return false }
            if b.isNaN { return true }
            return a < b
        case .int(let v): return v[i] < v[j]
        case .uint(let v): return v[i] < v[j]
        case .string(let v): return v[i] < v[j]
        }
    }

    @inline(__always)
    func equal(_ i: Int, _ j: Int) -> Bool { !less(i, j) && !less(j, i) }
}
