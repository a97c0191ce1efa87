import Foundation
import SurgeonTensor

// Shared pieces of the fast float32 recurrent kernels (LSTM.fast, GRU.fast, RNN.fast): the
// input projection of every step and direction in one sgemm, one sgemm per step for the
// recurrence, and the gate arithmetic in SIMD8 loops with branch-free sigmoid / tanh. The
// plain kernels (LSTM.plain, ...) stay the reference the fast ones are tested against.

/// tanh for 8 floats: Cephes' tanhf (an odd polynomial below |x| = 0.625, `1 - 2/(e^2|x| + 1)`
/// above), within 2 ulp of libm's tanhf; ±1 beyond |x| ≈ 9, NaN stays NaN.
@inline(__always) func simdTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let z = x.replacing(with: -x, where: x .< 0)
    let s = simdExp(z + z)
    var big = 1 - 2 / (s + 1)
    big.replace(with: -big, where: x .< 0)
    let q = x * x
    var p = SIMD8<Float>(repeating: -5.70498872745e-3)
    p = p * q + 2.06390887954e-2
    p = p * q - 5.37397155531e-2
    p = p * q + 1.33314422036e-1
    p = p * q - 3.33332819422e-1
    let small = p * q * x + x
    return small.replacing(with: big, where: z .> 0.625)
}

/// The logistic function for 8 floats: `1 / (1 + exp(-x))` with `simdExp` (about 2 ulp).
@inline(__always) func simdSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + simdExp(-x))
}

/// One recurrent activation for the fast kernels: the common ones in SIMD, the rest through
/// the plain kernels' scalar function (`recurrentActivation`), lane by lane.
enum RecurrentAct {
    case sigmoid, tanh, relu
    case scalar((Float) -> Float)

    init(name: String, alpha: Float?, beta: Float?) throws {
        switch name.lowercased() {
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        default: self = .scalar(try recurrentActivation(name, alpha: alpha, beta: beta))
        }
    }

    /// Per direction, the node's activations (or `defaultActs`).
    static func list(_ ctx: OpContext, dirs: Int, defaultActs: [String]) throws -> [[RecurrentAct]] {
        // No activations attribute: the defaults (Sigmoid, Tanh), which take no alpha or beta.
        if ctx.node.attribute("activations") == nil {
            let acts = try defaultActs.map { try RecurrentAct(name: $0, alpha: nil, beta: nil) }
            return Array(repeating: acts, count: dirs)
        }
        return try RecurrentSetup.activationSpecs(ctx, dirs: dirs, defaultActs: defaultActs).map { list in
            try list.map { try RecurrentAct(name: $0.name, alpha: $0.alpha, beta: $0.beta) }
        }
    }

    /// `p[i] = self(p[i])` for i < n: Sigmoid and Tanh through the C vector kernels
    /// (`VectorMath`, within a few ulp of the SIMD8 functions) when they run, else SIMD8.
    func applyInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int, level: Int = VectorMath.level) {
        switch self {
        case .sigmoid: if VectorMath.apply(.sigmoid, p, p, n, level: level) { return }
        case .tanh: if VectorMath.apply(.tanh, p, p, n, level: level) { return }
        default: break
        }
        var k = 0
        while k < n {
            let m = min(8, n - k)
            storeF8(self(loadF8(p + k, m)), p + k, m)
            k += 8
        }
    }

    @inline(__always) func callAsFunction(_ v: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .sigmoid: return simdSigmoid(v)
        case .tanh: return simdTanh(v)
        case .relu: return v.replacing(with: 0, where: v .< 0)  // NaN stays NaN, as max(v, 0)
        case .scalar(let f):
            var out = v
            for i in 0..<8 { out[i] = f(v[i]) }
            return out
        }
    }
}

/// Loads `n` (1...8) floats, zeros in the other lanes.
@inline(__always) func loadF8(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD8<Float> {
    if n == 8 { return loadF8(p) }
    var v = SIMD8<Float>(repeating: 0)
    for i in 0..<n { v[i] = p[i] }
    return v
}

/// Stores the first `n` (1...8) lanes.
@inline(__always) func storeF8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 8 { storeF8(v, p); return }
    for i in 0..<n { p[i] = v[i] }
}

/// Clamps to [-c, c] (no clip: unchanged); NaN stays NaN, as the plain kernels' `clipped`.
@inline(__always) func clipF8(_ v: SIMD8<Float>, _ c: Float?) -> SIMD8<Float> {
    guard let c else { return v }
    var r = v
    r.replace(with: -c, where: r .< -c)
    r.replace(with: c, where: r .> c)
    return r
}

/// W and R of a recurrent node packed once for the interpreter (PlanRecurrentWeights), for
/// `RecurrentFastRun`: W whole (the input projection), R in the row pieces each step
/// multiplies by. Either may be nil (then OpenBLAS multiplies by the tensor as given).
struct RecurrentPacked {
    let w: RecurrentWeight.Packed?
    let r: RecurrentWeight.Packed?

    /// The packed copies of the node's W and R from the plan's boxes.
    init(_ ctx: OpContext, w: RecurrentWeight, r: RecurrentWeight) throws {
        let wT = try ctx.tensor(1), rT = try ctx.tensor(2)
        self.w = w.packed(wT, pieces: nil)
        self.r = rT.rank == 3 ? r.packed(rT, pieces: try RecurrentPacked.pieces(ctx, hidden: rT.shape[2])) : nil
    }

    /// The row pieces of R the node's fast kernel multiplies by at every step: all gates
    /// (LSTM, RNN, GRU under linear_before_reset), else GRU's z and r, then its candidate.
    static func pieces(_ ctx: OpContext, hidden h: Int) throws -> [RecurrentWeight.Piece] {
        switch ctx.node.opType {
        case "LSTM": return [.init(start: 0, rows: 4 * h)]
        case "GRU":
            if try ctx.int("linear_before_reset", 0) != 0 { return [.init(start: 0, rows: 3 * h)] }
            return [.init(start: 0, rows: 2 * h), .init(start: 2 * h, rows: h)]
        default: return [.init(start: 0, rows: h)]
        }
    }
}

/// The float32 buffers of a fast recurrent run: the input projection of every step, the
/// outputs written in place, scratch buffers, and the row / offset arithmetic of both layouts.
/// Directions only write their own parts of Y and the final states, so they may run in
/// parallel.
final class RecurrentFastRun: @unchecked Sendable {
    let sh: RecurrentShape
    /// `gates * hidden`.
    let g: Int
    /// `dirs * g`: a row of `xw`.
    let ld: Int
    /// X·Wᵀ for all steps and directions: row `xRow(t, b)`, direction d at column d*g.
    let xw: UnsafeMutablePointer<Float>
    /// R `[dirs, g, hidden]`, read in place (the tensor is held by `sh`).
    let r: UnsafePointer<Float>
    /// Y, then the final states (Y_h, and Y_c for LSTM), zero-filled.
    let y: Tensor
    let yp: UnsafeMutablePointer<Float>
    let finals: [Tensor]
    private var scratch: [UnsafeMutablePointer<Float>] = []
    private let lock = NSLock()

    /// R's packed pieces per direction (`RecurrentPacked`), empty without them.
    private let rPacked: [[(piece: RecurrentWeight.Piece, matrix: PackedMatrix)]]

    /// nil unless X, W and R are float32 (the other float types take the plain kernels).
    /// `packed` (W and R packed once by the plan) serves the products it fits; the others go
    /// to OpenBLAS.
    init?(_ sh: RecurrentShape, gates: Int, finalStates: Int, packed: RecurrentPacked? = nil) throws {
        guard sh.xT.dtype == .float32, sh.wT.dtype == .float32, sh.rT.dtype == .float32 else { return nil }
        self.sh = sh
        g = gates * sh.hidden
        ld = sh.dirs * g
        let rows = sh.seq * sh.batch
        // Checked like a tensor of that size (the memory budget applies to it too).
        let n = try Tensor.checkedCount([rows, ld], dtype: .float32)
        let yShape = sh.layout == 0 ? [sh.seq, sh.dirs, sh.batch, sh.hidden] : [sh.batch, sh.seq, sh.dirs, sh.hidden]
        let sShape = sh.layout == 0 ? [sh.dirs, sh.batch, sh.hidden] : [sh.batch, sh.dirs, sh.hidden]
        y = try Tensor(zeros: .float32, shape: yShape)
        yp = y.rawPointer.bindMemory(to: Float.self, capacity: max(y.count, 1))
        finals = try (0..<finalStates).map { _ in try Tensor(zeros: .float32, shape: sShape) }
        r = UnsafePointer(sh.rT.rawPointer.bindMemory(to: Float.self, capacity: max(sh.rT.count, 1)))
        if let rp = packed?.r, let pieces = rp.pieces, rp.matrices.count == sh.dirs {
            let hd = sh.hidden, gg = g
            rPacked = rp.matrices.map { list in
                zip(pieces, list).filter { $0.1.k == hd && $0.1.n == $0.0.rows && $0.0.start + $0.0.rows <= gg }
                    .map { (piece: $0.0, matrix: $0.1) }
            }
        } else {
            rPacked = []
        }
        xw = .allocate(capacity: max(n, 1))
        let x = sh.xT.rawPointer.bindMemory(to: Float.self, capacity: max(sh.xT.count, 1))
        if let pw = packed?.w?.matrices.first?.first, pw.k == sh.input, pw.n == ld,
           sgemmPacked(m: rows, a: x, lda: sh.input, b: pw, c: xw, ldc: ld) {
            return
        }
        let w = sh.wT.rawPointer.bindMemory(to: Float.self, capacity: max(sh.wT.count, 1))
        sgemm(transA: false, transB: true, m: rows, n: ld, k: sh.input, alpha: 1,
              a: x, lda: sh.input, b: w, ldb: sh.input, beta: 0, c: xw, ldc: ld)
    }

    deinit {
        xw.deallocate()
        for p in scratch { p.deallocate() }
    }

    /// A scratch buffer holding `values`, freed with the run.
    func buffer(_ values: [Float]) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        p.initialize(repeating: 0, count: max(values.count, 1))
        values.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: values.count) } }
        lock.lock(); scratch.append(p); lock.unlock()
        return p
    }

    /// A zeroed scratch buffer of `count` floats, freed with the run.
    func buffer(count: Int) -> UnsafeMutablePointer<Float> {
        buffer([Float](repeating: 0, count: count))
    }

    /// Runs `body(d)` for every direction, both at once when there are two, more than one
    /// kernel thread and enough work (`costPerDirection` multiply-adds) to pay for it.
    func forEachDirection(costPerDirection: Int, _ body: (Int) -> Void) {
        parallelItems(sh.dirs, costPerItem: costPerDirection, body)
    }

    /// The row of X (and of `xw`) holding step t of batch entry b.
    @inline(__always) func xRow(_ t: Int, _ b: Int) -> Int {
        sh.layout == 0 ? t * sh.batch + b : b * sh.seq + t
    }

    /// The offset of Y[t, d, b, 0] (layout 0) or Y[b, t, d, 0] (layout 1).
    @inline(__always) func yOffset(_ t: Int, _ d: Int, _ b: Int) -> Int {
        sh.layout == 0 ? ((t * sh.dirs + d) * sh.batch + b) * sh.hidden : ((b * sh.seq + t) * sh.dirs + d) * sh.hidden
    }

    /// The step of direction d that batch entry b is at after `step` steps (nil once its
    /// sequence is over).
    @inline(__always) func time(_ d: Int, _ b: Int, step: Int) -> Int? {
        let len = sh.seqLens[b]
        guard step < len else { return nil }
        return sh.isReverse(d) ? len - 1 - step : step
    }

    /// `out[batch, rows] = h[batch, hidden] · R_d[rowStart ..< rowStart+rows]ᵀ`.
    @inline(__always) func recurrent(_ d: Int, _ h: UnsafePointer<Float>, rowStart: Int, rows: Int,
                                     _ out: UnsafeMutablePointer<Float>) {
        let hd = sh.hidden
        if d < rPacked.count, let m = rPacked[d].first(where: { $0.piece.start == rowStart && $0.piece.rows == rows })?.matrix,
           sgemmPacked(m: sh.batch, a: h, lda: hd, b: m, c: out, ldc: rows, threads: 1) {
            return
        }
        sgemm(transA: false, transB: true, m: sh.batch, n: rows, k: hd, alpha: 1,
              a: h, lda: hd, b: r + (d * g + rowStart) * hd, ldb: hd, beta: 0, c: out, ldc: rows)
    }

    /// Copies a `[batch, hidden]` state of direction d into final state `i`.
    func storeFinal(_ i: Int, _ d: Int, _ state: UnsafePointer<Float>) {
        let p = finals[i].rawPointer.bindMemory(to: Float.self, capacity: max(finals[i].count, 1))
        for b in 0..<sh.batch {
            let o = sh.layout == 0 ? (d * sh.batch + b) * sh.hidden : (b * sh.dirs + d) * sh.hidden
            (p + o).update(from: state + b * sh.hidden, count: sh.hidden)
        }
    }

    /// Wb + Rb of direction d for the first `count` gate rows (the gates whose two biases add).
    func biasSum(_ d: Int, count: Int) -> [Float] {
        let bd = sh.b[d]
        return (0..<count).map { bd[$0] + bd[g + $0] }
    }

    var outputs: [Value] { [.tensor(y)] + finals.map { .tensor($0) } }
}
