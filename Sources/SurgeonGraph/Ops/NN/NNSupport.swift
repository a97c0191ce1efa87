import Foundation
import SurgeonTensor

// Shared helpers of the NN kernels: float staging for reduced-precision types, and the
// spatial geometry (kernel, strides, pads, dilations, auto_pad) of Conv and the pools.

/// A function that rounds a Float to the precision of `dtype` (identity for float32/64).
/// Reduced-float kernels compute in Float and round where the ONNX reference would.
func roundingFunction(for dtype: DType) -> (Float) -> Float {
    switch dtype {
    case .float16: return { roundedToHalf($0) }
    case .bfloat16: return { BFloat16($0).floatValue }
    default: return { $0 }
    }
}

/// The float dtypes kernels accept; throws a readable error for the rest.
func requireFloat(_ t: Tensor, _ op: String, _ what: String = "input") throws {
    guard t.dtype.isFloatingPoint else {
        throw TensorError("\(op): \(what) must be a floating-point tensor, got \(t.typeDescription)")
    }
}

/// Converts a Float result back to `dtype` (float32 without copying through doubles).
func floatTensor(_ v: [Float], shape: [Int], dtype: DType) throws -> Tensor {
    switch dtype {
    case .float32, .float16, .bfloat16: return try Tensor(floats: v, shape: shape, dtype: dtype)
    default: return try Tensor(doubles: v.map { Double($0) }, shape: shape, dtype: dtype)
    }
}

/// Spatial geometry of a Conv / pool node over `spatial` input extents.
struct SpatialGeometry {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// Begin pads then end pads, per spatial axis.
    var padBegin: [Int]
    var padEnd: [Int]
    var output: [Int]

    var rank: Int { kernel.count }

    /// Reads `strides`, `dilations`, `pads`, `auto_pad` (and ceil_mode for pools).
    /// - Parameter kernel: kernel extents (from the weight shape or `kernel_shape`).
    static func make(ctx: OpContext, input spatial: [Int], kernel: [Int], ceilMode: Bool = false,
                     poolSemantics: Bool = false) throws -> SpatialGeometry {
        let n = spatial.count
        guard kernel.count == n else {
            throw ctx.error("kernel has \(kernel.count) spatial axes, input has \(n)")
        }
        let strides = try ctx.ints("strides") ?? Array(repeating: 1, count: n)
        let dilations = try ctx.ints("dilations") ?? Array(repeating: 1, count: n)
        guard strides.count == n, dilations.count == n else {
            throw ctx.error("strides/dilations need \(n) values")
        }
        guard strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), kernel.allSatisfy({ $0 > 0 }) else {
            throw ctx.error("strides, dilations and kernel extents must be positive")
        }
        var pads = try ctx.ints("pads") ?? Array(repeating: 0, count: 2 * n)
        guard pads.count == 2 * n else { throw ctx.error("pads needs \(2 * n) values, got \(pads.count)") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw ctx.error("pads must not be negative") }
        let autoPad = try ctx.string("auto_pad", "NOTSET")
        var out = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let ek = (kernel[i] - 1) * dilations[i] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                let o = (spatial[i] + strides[i] - 1) / strides[i]
                let total = max(0, (o - 1) * strides[i] + ek - spatial[i])
                let small = total / 2, big = total - small
                if autoPad == "SAME_UPPER" { pads[i] = small; pads[i + n] = big } else { pads[i] = big; pads[i + n] = small }
                out[i] = o
            case "VALID":
                pads[i] = 0; pads[i + n] = 0
                out[i] = spatial[i] >= ek ? (spatial[i] - ek) / strides[i] + 1 : 0
            case "NOTSET", "":
                let span = spatial[i] + pads[i] + pads[i + n] - ek
                if span < 0 { out[i] = 0; continue }
                if ceilMode {
                    var o = (span + strides[i] - 1) / strides[i] + 1
                    // The last window must start inside the input or the begin pad.
                    if poolSemantics && (o - 1) * strides[i] >= spatial[i] + pads[i] { o -= 1 }
                    out[i] = o
                } else {
                    out[i] = span / strides[i] + 1
                }
            default:
                throw ctx.error("unknown auto_pad '\(autoPad)'")
            }
        }
        return SpatialGeometry(kernel: kernel, strides: strides, dilations: dilations,
                               padBegin: Array(pads[0..<n]), padEnd: Array(pads[n...]), output: out)
    }
}

/// Calls `body(flatOutIndex, multiIndex)` for every index of `shape` in row-major order.
@inline(__always)
func forEachIndex(_ shape: [Int], _ body: (Int, [Int]) -> Void) {
    let total = shape.reduce(1, *)
    if total == 0 { return }
    var idx = [Int](repeating: 0, count: shape.count)
    for flat in 0..<total {
        body(flat, idx)
        var a = shape.count - 1
        while a >= 0 {
            idx[a] += 1
            if idx[a] < shape[a] { break }
            idx[a] = 0
            a -= 1
        }
    }
}

/// Doubles to `dtype` as the ONNX reference's saturate_cast does: integers rounded half to even
/// and clamped to the type's range; floats converted directly.
func saturatingTensor(_ v: [Double], shape: [Int], dtype: DType) throws -> Tensor {
    guard dtype.isInteger else {
        if dtype == .float32 { return try Tensor(shape: shape, scalars: v.map { Float($0) }) }
        return try Tensor(doubles: v, shape: shape, dtype: dtype)
    }
    let (lo, hi) = integerRange(dtype)
    return try Tensor(doubles: v.map { d in
        if d.isNaN { return 0 }
        return min(max(d.rounded(.toNearestOrEven), lo), hi)
    }, shape: shape, dtype: dtype)
}

/// The representable range of an integer dtype, as doubles.
func integerRange(_ dtype: DType) -> (Double, Double) {
    switch dtype {
    case .int8: return (-128, 127)
    case .uint8: return (0, 255)
    case .int16: return (-32768, 32767)
    case .uint16: return (0, 65535)
    case .int32: return (-2147483648, 2147483647)
    case .uint32: return (0, 4294967295)
    case .uint64: return (0, 18446744073709551615)
    case .int4: return (-8, 7)
    case .uint4: return (0, 15)
    case .int2: return (-2, 1)
    case .uint2: return (0, 3)
    default: return (-9223372036854775808, 9223372036854775807)
    }
}

/// What a pool computes over each window.
enum PoolKind {
    case max
    case average(countIncludePad: Bool)
    case lp(p: Double)
}

/// Generic N-D pooling over `[N, C, spatial...]` doubles. Windows are clipped to the input;
/// `average(countIncludePad: true)` divides by the taps inside the explicitly padded extent.
/// Returns the values and, for `.max`, the flat input index of each maximum (row-major over
/// N, C, spatial; with `columnMajor` the spatial part is column-major, as storage_order 1).
func poolND(_ x: [Double], shape: [Int], geom: SpatialGeometry, kind: PoolKind,
            columnMajor: Bool = false) throws -> (values: [Double], indices: [Int64]) {
    let nc = shape[0] * shape[1]
    let inSp = Array(shape[2...])
    let r = inSp.count
    let inSize = inSp.reduce(1, *)
    let outSp = geom.output
    let outSize = try Tensor.checkedCount(outSp, dtype: .float64)
    // Per axis and output position: the valid input coordinates, and the padded-extent count.
    var coords: [[[Int]]] = []
    var incl: [[Int]] = []
    for a in 0..<r {
        var ca: [[Int]] = [], ia: [Int] = []
        for o in 0..<outSp[a] {
            var list: [Int] = []
            var cnt = 0
            for k in 0..<geom.kernel[a] {
                let p = o * geom.strides[a] - geom.padBegin[a] + k * geom.dilations[a]
                if p >= -geom.padBegin[a] && p < inSp[a] + geom.padEnd[a] { cnt += 1 }
                if p >= 0 && p < inSp[a] { list.append(p) }
            }
            ca.append(list); ia.append(cnt)
        }
        coords.append(ca); incl.append(ia)
    }
    let rowStrides = contiguousStrides(inSp)
    var colStrides = [Int](repeating: 1, count: r)
    for a in 1..<max(r, 1) where a < r { colStrides[a] = colStrides[a - 1] * inSp[a - 1] }
    var values = [Double](repeating: 0, count: nc * outSize)
    var indices = [Int64](repeating: 0, count: { if case .max = kind { return nc * outSize } else { return 0 } }())
    var pos = [Int](repeating: 0, count: r)
    forEachIndex(outSp) { oflat, oidx in
        let lists = (0..<r).map { coords[$0][oidx[$0]] }
        let nTaps = lists.reduce(1) { $0 * $1.count }
        var inclCount = 1
        for a in 0..<r { inclCount *= incl[a][oidx[a]] }
        // Offsets (row-major) and storage offsets of every tap.
        var offs = [Int](repeating: 0, count: nTaps), store = [Int](repeating: 0, count: nTaps)
        if nTaps > 0 {
            for t in 0..<nTaps {
                var rem = t
                var off = 0, st = 0
                for a in stride(from: r - 1, through: 0, by: -1) {
                    let l = lists[a]
                    pos[a] = l[rem % l.count]; rem /= l.count
                    off += pos[a] * rowStrides[a]
                    st += pos[a] * colStrides[a]
                }
                offs[t] = off; store[t] = columnMajor ? st : off
            }
        }
        for ch in 0..<nc {
            let base = ch * inSize
            var out = 0.0
            switch kind {
            case .max:
                var best = -Double.infinity, bi = -1
                for t in 0..<nTaps {
                    let v = x[base + offs[t]]
                    if bi < 0 || v > best || (v.isNaN && !best.isNaN) { best = v; bi = t }
                }
                out = bi < 0 ? 0 : best
                indices[ch * outSize + oflat] = Int64(base + (bi < 0 ? 0 : store[bi]))
            case .average(let includePad):
                var s = 0.0
                for t in 0..<nTaps { s += x[base + offs[t]] }
                let d = includePad ? inclCount : nTaps
                out = d > 0 ? s / Double(d) : .nan
            case .lp(let p):
                var s = 0.0
                for t in 0..<nTaps { s += pow(abs(x[base + offs[t]]), p) }
                out = pow(s, 1 / p)
            }
            values[ch * outSize + oflat] = out
        }
    }
    return (values, indices)
}

/// Reads kernel_shape and the window geometry of a pool node over X `[N, C, spatial...]`.
func poolGeometry(_ ctx: OpContext, _ x: Tensor) throws -> SpatialGeometry {
    guard x.rank >= 3 else { throw ctx.error("X must have rank 3 or more, got \(x.typeDescription)") }
    guard let kernel = try ctx.ints("kernel_shape") else { throw ctx.error("needs kernel_shape") }
    let ceil = try ctx.int("ceil_mode", 0) != 0
    return try SpatialGeometry.make(ctx: ctx, input: Array(x.shape[2...]), kernel: kernel, ceilMode: ceil, poolSemantics: true)
}

// MARK: recurrent ops (RNN, GRU, LSTM)

/// An RNN activation function by ONNX name, with its alpha/beta.
func recurrentActivation(_ name: String, alpha: Float?, beta: Float?) throws -> (Float) -> Float {
    switch name.lowercased() {
    case "sigmoid": return { 1 / (1 + expf(-$0)) }
    case "tanh": return { tanhf($0) }
    case "relu": return { max($0, 0) }
    case "affine": let a = alpha ?? 1, b = beta ?? 0; return { a * $0 + b }
    case "leakyrelu": let a = alpha ?? 0.01; return { $0 >= 0 ? $0 : a * $0 }
    case "thresholdedrelu": let a = alpha ?? 1; return { $0 > a ? $0 : 0 }
    case "scaledtanh": let a = alpha ?? 1, b = beta ?? 1; return { a * tanhf(b * $0) }
    case "hardsigmoid": let a = alpha ?? 0.2, b = beta ?? 0.5; return { max(0, min(1, a * $0 + b)) }
    case "elu": let a = alpha ?? 1; return { $0 >= 0 ? $0 : a * (expf($0) - 1) }
    case "softsign": return { $0 / (1 + abs($0)) }
    case "softplus": return { logf(1 + expf($0)) }
    default: throw TensorError("unknown RNN activation '\(name)'")
    }
}

/// The inputs and attributes every recurrent op shares, checked but not copied: X, W and R
/// stay tensors (the fast float32 kernels read them in place), the small ones are Floats.
struct RecurrentShape {
    let seq: Int, batch: Int, input: Int, hidden: Int, dirs: Int
    let layout: Int
    let reverseOnly: Bool
    /// X as given (`[seq, batch, input]`, or `[batch, seq, input]` under layout 1), W, R.
    let xT: Tensor, wT: Tensor, rT: Tensor
    /// Per direction: B `[2*gates*hidden]` (Wb then Rb), zeros when absent.
    let b: [[Float]]
    let seqLens: [Int]
    let clip: Float?

    init(ctx: OpContext, gates: Int) throws {
        xT = try ctx.tensor(0); wT = try ctx.tensor(1); rT = try ctx.tensor(2)
        try requireFloat(xT, ctx.node.opType, "X")
        guard xT.rank == 3, wT.rank == 3, rT.rank == 3 else { throw ctx.error("X, W and R must be 3-D") }
        layout = try ctx.int("layout", 0)
        let direction = try ctx.string("direction", "forward")
        guard ["forward", "reverse", "bidirectional"].contains(direction) else { throw ctx.error("unknown direction '\(direction)'") }
        dirs = direction == "bidirectional" ? 2 : 1
        reverseOnly = direction == "reverse"
        if layout != 0 { seq = xT.shape[1]; batch = xT.shape[0] } else { seq = xT.shape[0]; batch = xT.shape[1] }
        input = xT.shape[2]
        let h = rT.shape[2]
        if let hs = try ctx.intIfPresent("hidden_size"), hs != h { throw ctx.error("hidden_size \(hs) does not match R \(rT.typeDescription)") }
        hidden = h
        guard wT.shape == [dirs, gates * h, input] else { throw ctx.error("W \(wT.typeDescription) should be \(shapeString([dirs, gates * h, input]))") }
        guard rT.shape == [dirs, gates * h, h] else { throw ctx.error("R \(rT.typeDescription) should be \(shapeString([dirs, gates * h, h]))") }
        let nd = dirs, bs = batch, sq = seq
        if let bT = try ctx.optionalTensor(3) {
            guard bT.shape == [dirs, 2 * gates * h] else { throw ctx.error("B \(bT.typeDescription) should be \(shapeString([dirs, 2 * gates * h]))") }
            let bv = bT.floatArray()
            b = (0..<nd).map { Array(bv[($0 * 2 * gates * h)..<(($0 + 1) * 2 * gates * h)]) }
        } else {
            b = Array(repeating: Array(repeating: 0, count: 2 * gates * h), count: dirs)
        }
        if let sl = try ctx.optionalTensor(4) {
            let v = sl.intArray()
            guard v.count == bs, v.allSatisfy({ $0 >= 0 && $0 <= sq }) else { throw ctx.error("sequence_lens must hold \(batch) values in 0...\(seq)") }
            seqLens = v
        } else {
            seqLens = Array(repeating: seq, count: batch)
        }
        clip = try ctx.has("clip") ? ctx.float("clip", 0) : nil
    }

    /// Whether direction `d` runs backwards in time.
    func isReverse(_ d: Int) -> Bool { reverseOnly || d == 1 }
}

/// The inputs and attributes every recurrent op shares, in time-major Float form (the plain
/// kernels).
struct RecurrentSetup {
    let seq: Int, batch: Int, input: Int, hidden: Int, dirs: Int
    let layout: Int
    let dtype: DType
    /// X as `[seq, batch, input]`.
    let x: [Float]
    /// Per direction: W `[gates*hidden, input]`, R `[gates*hidden, hidden]`, B `[2*gates*hidden]`.
    let w: [[Float]], r: [[Float]], b: [[Float]]
    /// Per direction: initial state `[batch, hidden]`.
    let h0: [[Float]]
    let seqLens: [Int]
    let clip: Float?
    /// Per direction: the activations (gates-defined count each).
    let acts: [[(Float) -> Float]]
    let reverseOnly: Bool

    init(ctx: OpContext, gates: Int, defaultActs: [String]) throws {
        let sh = try RecurrentShape(ctx: ctx, gates: gates)
        let xT = sh.xT
        seq = sh.seq; batch = sh.batch; input = sh.input; hidden = sh.hidden; dirs = sh.dirs
        layout = sh.layout; dtype = xT.dtype; reverseOnly = sh.reverseOnly
        b = sh.b; seqLens = sh.seqLens; clip = sh.clip
        let xv = xT.floatArray()
        x = layout != 0 ? transpose01(xv, xT.shape[0], xT.shape[1], xT.shape[2]) : xv
        let nd = dirs, inp = input, h = hidden
        let wv = sh.wT.floatArray(), rv = sh.rT.floatArray()
        w = (0..<nd).map { Array(wv[($0 * gates * h * inp)..<(($0 + 1) * gates * h * inp)]) }
        r = (0..<nd).map { Array(rv[($0 * gates * h * h)..<(($0 + 1) * gates * h * h)]) }
        h0 = try RecurrentSetup.state(ctx, 5, dirs: dirs, batch: batch, hidden: h, layout: layout)
        acts = try RecurrentSetup.activations(ctx, dirs: dirs, defaultActs: defaultActs)
    }

    /// The `activations` (with `activation_alpha`/`activation_beta`) per direction, or the defaults.
    static func activations(_ ctx: OpContext, dirs: Int, defaultActs: [String]) throws -> [[(Float) -> Float]] {
        try activationSpecs(ctx, dirs: dirs, defaultActs: defaultActs).map { list in
            try list.map { try recurrentActivation($0.name, alpha: $0.alpha, beta: $0.beta) }
        }
    }

    /// The activation names with their alpha/beta per direction (`activations` as data).
    static func activationSpecs(_ ctx: OpContext, dirs: Int, defaultActs: [String]) throws -> [[(name: String, alpha: Float?, beta: Float?)]] {
        let names = try ctx.strings("activations") ?? []
        let alphas = try ctx.floats("activation_alpha") ?? [], betas = try ctx.floats("activation_beta") ?? []
        let per = defaultActs.count
        var all: [[(name: String, alpha: Float?, beta: Float?)]] = []
        var ai = 0, bi = 0
        for d in 0..<dirs {
            var list: [(name: String, alpha: Float?, beta: Float?)] = []
            for k in 0..<per {
                let name = names.count == per * dirs ? names[d * per + k] : (names.count == per ? names[k] : defaultActs[k])
                let usesAlpha = ["affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu"].contains(name.lowercased())
                let usesBeta = ["affine", "scaledtanh", "hardsigmoid"].contains(name.lowercased())
                var a: Float? = nil, bb: Float? = nil
                if usesAlpha && ai < alphas.count { a = alphas[ai]; ai += 1 }
                if usesBeta && bi < betas.count { bb = betas[bi]; bi += 1 }
                list.append((name, a, bb))
            }
            all.append(list)
        }
        return all
    }

    /// An optional `[dirs, batch, hidden]` state input (batch-major under layout 1).
    static func state(_ ctx: OpContext, _ i: Int, dirs: Int, batch: Int, hidden: Int, layout: Int) throws -> [[Float]] {
        guard let t = try ctx.optionalTensor(i) else {
            return Array(repeating: Array(repeating: 0, count: batch * hidden), count: dirs)
        }
        let want = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden]
        guard t.shape == want else { throw ctx.error("initial state \(t.typeDescription) should be \(shapeString(want))") }
        var v = t.floatArray()
        if layout != 0 { v = transpose01(v, batch, dirs, hidden) }
        return (0..<dirs).map { Array(v[($0 * batch * hidden)..<(($0 + 1) * batch * hidden)]) }
    }

    /// Whether direction `d` runs backwards in time.
    func isReverse(_ d: Int) -> Bool { reverseOnly || d == 1 }

    func clipped(_ v: Float) -> Float {
        guard let c = clip else { return v }
        return min(max(v, -c), c)
    }

    /// X·Wᵀ + Wb for every time step of direction d: `[seq*batch, gates*hidden]`.
    func inputProjection(_ d: Int, gates: Int) -> [Float] {
        let n = gates * hidden
        var out = [Float](repeating: 0, count: seq * batch * n)
        for row in 0..<(seq * batch) { for j in 0..<n { out[row * n + j] = b[d][j] } }
        x.withUnsafeBufferPointer { px in
            w[d].withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    guard let a = px.baseAddress, let bb = pw.baseAddress, let c = po.baseAddress else { return }
                    sgemm(transA: false, transB: true, m: seq * batch, n: n, k: input, alpha: 1,
                          a: a, lda: input, b: bb, ldb: input, beta: 1, c: c, ldc: n)
                }
            }
        }
        return out
    }

    /// `h · R[rows]ᵀ` for a `[batch, hidden]` state: `[batch, rows.count]`.
    func recurrent(_ d: Int, _ h: [Float], rowStart: Int, rows: Int) -> [Float] {
        var out = [Float](repeating: 0, count: batch * rows)
        h.withUnsafeBufferPointer { ph in
            r[d].withUnsafeBufferPointer { pr in
                out.withUnsafeMutableBufferPointer { po in
                    guard let a = ph.baseAddress, let bb = pr.baseAddress, let c = po.baseAddress else { return }
                    sgemm(transA: false, transB: true, m: batch, n: rows, k: hidden, alpha: 1,
                          a: a, lda: hidden, b: bb + rowStart * hidden, ldb: hidden, beta: 0, c: c, ldc: rows)
                }
            }
        }
        return out
    }

    /// Packs per-direction results into Y `[seq, dirs, batch, hidden]` (or `[batch, seq, dirs, hidden]`)
    /// and a final state `[dirs, batch, hidden]` (or `[batch, dirs, hidden]`).
    func outputs(ys: [[Float]], finals: [[[Float]]]) throws -> [Value] {
        try RecurrentSetup.pack(ys: ys, finals: finals, seq: seq, dirs: dirs, batch: batch, hidden: hidden,
                                layout: layout, dtype: dtype)
    }

    /// `outputs(ys:finals:)` for kernels that do not build a RecurrentSetup.
    static func pack(ys: [[Float]], finals: [[[Float]]], seq: Int, dirs: Int, batch: Int, hidden: Int,
                     layout: Int, dtype: DType) throws -> [Value] {
        let h = hidden
        var y = [Float](repeating: 0, count: seq * dirs * batch * h)
        for d in 0..<dirs {
            for t in 0..<seq { for bi in 0..<batch { for k in 0..<h {
                let v = ys[d][(t * batch + bi) * h + k]
                if layout == 0 { y[((t * dirs + d) * batch + bi) * h + k] = v }
                else { y[((bi * seq + t) * dirs + d) * h + k] = v }
            } } }
        }
        let yShape = layout == 0 ? [seq, dirs, batch, h] : [batch, seq, dirs, h]
        var outs: [Value] = [.tensor(try floatTensor(y, shape: yShape, dtype: dtype))]
        for f in finals {
            var s = [Float](repeating: 0, count: dirs * batch * h)
            for d in 0..<dirs { for bi in 0..<batch { for k in 0..<h {
                let v = f[d][bi * h + k]
                if layout == 0 { s[(d * batch + bi) * h + k] = v } else { s[(bi * dirs + d) * h + k] = v }
            } } }
            outs.append(.tensor(try floatTensor(s, shape: layout == 0 ? [dirs, batch, h] : [batch, dirs, h], dtype: dtype)))
        }
        return outs
    }
}

/// Swaps the first two axes of a `[a, b, c]` array.
func transpose01(_ v: [Float], _ a: Int, _ b: Int, _ c: Int) -> [Float] {
    var out = [Float](repeating: 0, count: v.count)
    for i in 0..<a { for j in 0..<b { for k in 0..<c { out[(j * a + i) * c + k] = v[(i * b + j) * c + k] } } }
    return out
}

// MARK: quantization

/// For each flat index of a tensor of `xShape`, the flat index of its quantization parameter
/// (scale / zero point): per-tensor (one value), per-axis (1-D along `axis`) or blocked
/// (`blockSize` > 0: same rank as x, `ceil(x.shape[axis] / blockSize)` along `axis`).
func quantParamIndices(_ param: Tensor, xShape: [Int], axis: Int, blockSize: Int, op: String) throws -> [Int] {
    let n = xShape.reduce(1, *)
    if param.count == 1 && param.rank <= 1 { return [Int](repeating: 0, count: n) }
    guard !xShape.isEmpty else { throw TensorError("\(op): a scalar input needs a scalar scale") }
    let ax = try normalizeAxis(axis, rank: xShape.count, op: op)
    let inner = xShape[(ax + 1)...].reduce(1, *)
    if blockSize <= 0 {
        guard param.rank == 1, param.count == xShape[ax] else {
            throw TensorError("\(op): per-axis scale \(param.typeDescription) should have \(xShape[ax]) values (axis \(ax))")
        }
        return (0..<n).map { ($0 / inner) % xShape[ax] }
    }
    var want = xShape
    want[ax] = (xShape[ax] + blockSize - 1) / blockSize
    guard param.shape == want else {
        throw TensorError("\(op): blocked scale \(param.typeDescription) should be \(shapeString(want))")
    }
    let pStrides = contiguousStrides(want)
    var out = [Int](repeating: 0, count: n)
    forEachIndex(xShape) { i, idx in
        var off = 0
        for a in 0..<idx.count { off += (a == ax ? idx[a] / blockSize : idx[a]) * pStrides[a] }
        out[i] = off
    }
    return out
}

/// Zero-point values (or zeros) laid out like `quantParamIndices`.
func zeroPoints(_ zp: Tensor?) -> [Double] { zp?.doubleArray() ?? [0] }

/// A quantization parameter's elements (scale or zero point) converted by `f`, read through
/// this module's typed pointer: `Tensor.scalars(of:)` is generic across the module boundary,
/// and its runtime metadata and witness-table lookups cost more than the whole loop of a
/// small QuantizeLinear / DequantizeLinear (a tenth of an observed QDQ BERT run).
@inline(__always)
func quantParameter<T: TensorScalar, U>(_ t: Tensor, _ type: T.Type, _ f: (T) -> U) throws -> [U] {
    let p = try elementPointer(t, T.self)
    let n = t.count
    var out: [U] = []
    out.reserveCapacity(n)
    withExtendedLifetime(t) { for i in 0..<n { out.append(f(p[i])) } }
    return out
}

/// How per-tensor or per-axis quantization parameters map onto x: x is `outer` blocks of
/// `channels` runs of `inner` elements, run `c` of every block using parameter `c`.
struct QuantLayout {
    let outer: Int, channels: Int, inner: Int

    /// nil for blocked parameters (the general path handles them).
    init?(scale: Tensor, xShape: [Int], axis: Int, op: String) throws {
        let n = xShape.reduce(1, *)
        if scale.count == 1 && scale.rank <= 1 {
            (outer, channels, inner) = (1, 1, n)
            return
        }
        guard !xShape.isEmpty else { return nil }
        let ax = try normalizeAxis(axis, rank: xShape.count, op: op)
        guard scale.rank == 1, scale.count == xShape[ax] else { return nil }
        (outer, channels, inner) = (xShape[..<ax].reduce(1, *), xShape[ax], xShape[(ax + 1)...].reduce(1, *))
    }

    /// True when runs are too short to loop over one by one (e.g. per-column scales of a
    /// `[K, N]` weight, axis 1): kernels then walk whole blocks with `expanded` parameters.
    var expands: Bool { outer * channels > 1 && inner < 64 }

    /// One value per element of a block (`channels * inner`): `p[c]` repeated `inner` times
    /// (`p` has one value, or one per channel).
    func expanded<T>(_ p: [T]) -> [T] {
        var out: [T] = []
        out.reserveCapacity(channels * inner)
        for c in 0..<channels { out.append(contentsOf: repeatElement(p.count == 1 ? p[0] : p[c], count: inner)) }
        return out
    }

    /// Calls `body(flat range)` for each of the `outer` blocks of `channels * inner` elements,
    /// spread over the kernel threads for large tensors.
    func forEachBlock(_ body: (Range<Int>) -> Void) {
        let len = channels * inner
        parallelItems(outer, costPerItem: len) { o in body((o * len)..<((o + 1) * len)) }
    }

    /// Calls `body(channel, flat range)` for every run, spread over the kernel threads for
    /// large tensors.
    func forEachRun(_ body: (Int, Range<Int>) -> Void) {
        if outer * channels == 1 {
            parallelChunks(inner) { body(0, $0) }
            return
        }
        parallelItems(outer * channels, costPerItem: inner) { r in
            body(r % channels, (r * inner)..<((r + 1) * inner))
        }
    }
}

/// `wholeFloatsToInt32` where the floats and the int32 results share the memory: each 4-byte
/// element is read as a float and overwritten by its int32 value (raw accesses, so the two
/// views never alias as typed pointers).
func wholeFloatsToInt32InPlace(_ p: UnsafeMutableRawPointer, _ n: Int) {
    let magic: Double = 6_755_399_441_055_744
    let magicBits = Int64(bitPattern: magic.bitPattern)
    for i in 0..<n {
        let f = p.load(fromByteOffset: i &* 4, as: Float.self)
        p.storeBytes(of: Int32(truncatingIfNeeded: Int64(bitPattern: (Double(f) + magic).bitPattern) &- magicBits),
                     toByteOffset: i &* 4, as: Int32.self)
    }
}

/// Float32 values that are whole numbers of magnitude below 2^31, as Int32: written to `dst`,
/// or added to it (wrapping) when `accumulate`. Through float64 bit patterns (adding 1.5·2^52
/// leaves the integer in the low mantissa bits), so the loop vectorises where Swift's checked
/// `Int32(Float)` branches per element.
func wholeFloatsToInt32(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Int32>, _ n: Int, accumulate: Bool) {
    let magic: Double = 6_755_399_441_055_744
    let magicBits = Int64(bitPattern: magic.bitPattern)
    if accumulate {
        for i in 0..<n {
            dst[i] &+= Int32(truncatingIfNeeded: Int64(bitPattern: (Double(src[i]) + magic).bitPattern) &- magicBits)
        }
    } else {
        for i in 0..<n {
            dst[i] = Int32(truncatingIfNeeded: Int64(bitPattern: (Double(src[i]) + magic).bitPattern) &- magicBits)
        }
    }
}

/// An A/B switch read from the environment once: false when variable `name` is "off" or "0",
/// true otherwise (unset included). For kernel paths on by default (`ConvPointwise.packing`,
/// `ConvSmallMap.enabled`).
func environmentSwitchOn(_ name: String) -> Bool {
    guard let v = getenv(name).map({ String(cString: $0) }) else { return true }
    return v != "off" && v != "0"
}
