import SurgeonTensor

/// MatMul / Gemm by a constant float32 weight: the weight is packed once for the packed-GEMM
/// kernel (SurgeonTensor's `PackedMatrix`, `sgemmPacked`), which OpenBLAS would otherwise
/// re-pack at every call, and the step's leading per-value epilogues (the bias Add, Gelu, ...:
/// `TileEpilogue`) are applied block by block while the block is in cache. Only where a
/// vector kernel runs (`PackedMatrix.isFast`). A choice of kernel, not a fusion: every plan of
/// a fusing interpreter makes it, observed or not (as `useTransposedWeights`), so inspected
/// values are the ones plain runs compute.
extension PlanFusion {
    /// Replaces the kernel of every MatMul [.., k] @ W[k, n] and Gemm(A, W) (W a constant 2-D
    /// float32 tensor) with one using the packed weight, falling back to the step's previous
    /// kernel for what it does not cover (few rows against a large W, which the transposed
    /// weight serves; other types; Gemm with transA, alpha ≠ 1 or beta ∉ {0, 1}).
    static func usePackedWeights(in plan: ExecutionPlan, packedWeight: (String, Bool) -> PackedWeight) {
        guard PackedMatrix.isFast else { return }
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.domain.isEmpty, let previous = st.kernel, !st.hasSubgraphs, st.inputs.count >= 2,
                  st.inputs[0] >= 0, constant[st.inputs[0]] == nil, st.inputs[1] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]], w.dtype == .float32, w.rank == 2, w.count > 0 else { continue }
            if st.node.opType == "MatMul", st.inputs.count == 2 {
                plan.steps[k].kernel = packedWeightMatMul(packedWeight(st.node.inputs[1], false), fallback: previous)
            } else if st.node.opType == "Gemm" {
                let transB: Bool
                switch st.node.attribute("transB") {
                case nil: transB = false
                case .int(let v)?: transB = v != 0
                default: continue
                }
                plan.steps[k].kernel = packedWeightGemm(packedWeight(st.node.inputs[1], transB), transB: transB, fallback: previous)
            }
        }
    }

    /// `A @ W` through the packed W when A is float32 and not (few rows against a weight large
    /// enough for `TransposedWeight`); else `fallback`.
    static func packedWeightMatMul(_ box: PackedWeight, fallback: @escaping Kernel) -> Kernel {
        { ctx in
            let a = try ctx.tensor(0), w = try ctx.tensor(1)
            guard a.dtype == .float32, w.dtype == .float32, w.rank == 2, a.rank >= 1, a.shape[a.rank - 1] == w.shape[0],
                  w.shape[0] > 0, w.shape[1] > 0, a.count > 0 else { return try fallback(ctx) }
            let k = w.shape[0], n = w.shape[1], rows = a.count / k
            if TransposedWeight.takes(rows: rows, weightCount: w.count) { return try fallback(ctx) }
            guard let packed = box.matrix(for: w, transposed: false) else { return try fallback(ctx) }
            let outShape = Array(a.shape.dropLast()) + [n]
            if let kept = ctx.keptTile, kept.epilogue.fits(columns: n) {
                // A kept chain: the result with room for the epilogues' results (KeptTileOffer).
                let (buffer, c, te) = try kept.newOutput(outShape)
                if try multiplyKept(rows: rows, a: a, packed, c: c, accumulate: false, te, kept) {
                    return [.tensor(Tensor(dtype: .float32, shape: outShape, buffer: buffer))]
                }
                return try fallback(ctx)
            }
            let y = try a.withUnsafeBuffer(of: Float.self) { pa -> Tensor? in
                guard let ba = pa.baseAddress else { return nil }
                var ok = true
                let t = try Tensor.buildOverwriting(outShape, of: Float.self) { pc in
                    guard let bc = pc.baseAddress else { ok = false; return }
                    ok = multiply(rows: rows, a: ba, packed, c: bc, accumulate: false, offer: ctx.tileEpilogue)
                }
                return ok ? t : nil
            }
            guard let y else { return try fallback(ctx) }
            return [.tensor(y)]
        }
    }

    /// Gemm(A, W, C) through the packed W (W or Wᵀ as stored, per transB) when A is float32
    /// and not transposed, alpha is 1 and C is absent or added as is (beta 0 or 1); else
    /// `fallback`.
    static func packedWeightGemm(_ box: PackedWeight, transB: Bool, fallback: @escaping Kernel) -> Kernel {
        { ctx in
            let a = try ctx.tensor(0), w = try ctx.tensor(1)
            let c = try ctx.optionalTensor(2)
            let alpha = try ctx.float("alpha", 1), beta = try ctx.float("beta", 1)
            let ta = try ctx.int("transA", 0) != 0
            guard !ta, alpha == 1, a.dtype == .float32, w.dtype == .float32, a.rank == 2, w.rank == 2,
                  c == nil || beta == 0 || beta == 1, c?.dtype ?? .float32 == .float32 else { return try fallback(ctx) }
            let m = a.shape[0], k = a.shape[1]
            // Few rows against a large weight (a classifier at batch 1): the plain kernel reads
            // the weight once, as fast, and a packed copy would only add to memory (the copy
            // and the mapped weight are both resident while it is made: mobilenet_v3_small's
            // peak RSS grew 2 MB).
            if TransposedWeight.takes(rows: m, weightCount: w.count) { return try fallback(ctx) }
            let k2 = transB ? w.shape[1] : w.shape[0], n = transB ? w.shape[0] : w.shape[1]
            guard k == k2, m > 0, k > 0, n > 0, let packed = box.matrix(for: w, transposed: transB) else { return try fallback(ctx) }
            let y: Tensor
            let withC = c != nil && beta != 0
            if let kept = ctx.keptTile, kept.epilogue.fits(columns: n), c.map({ !withC || Gemm.fillsC($0, m: m, n: n) }) ?? true {
                // A kept chain: the result with room for the epilogues' results (KeptTileOffer).
                let (buffer, out, te) = try kept.newOutput([m, n])
                if let c, withC { try Gemm.fillC(c, m: m, n: n, into: out) }
                if try multiplyKept(rows: m, a: a, packed, c: out, accumulate: withC, te, kept) {
                    return [.tensor(Tensor(dtype: .float32, shape: [m, n], buffer: buffer))]
                }
                return try fallback(ctx)
            }
            if let c, withC {
                y = try Gemm.filledC(c, m: m, n: n) ?? c.broadcast(to: [m, n]).copied()
            } else {
                y = try Tensor.buildOverwriting([m, n], of: Float.self) { _ in }
            }
            let ok = try a.withUnsafeBuffer(of: Float.self) { pa -> Bool in
                guard let ba = pa.baseAddress else { return false }
                return multiply(rows: m, a: ba, packed, c: y.rawPointer.assumingMemoryBound(to: Float.self), accumulate: withC,
                                offer: ctx.tileEpilogue)
            }
            guard ok else { return try fallback(ctx) }
            return [.tensor(y)]
        }
    }

    /// `c = a · packed` (or `c += …`) with a kept chain's epilogue `te` (from `kept.newOutput`)
    /// on every block; false when the product could not run.
    static func multiplyKept(rows: Int, a: Tensor, _ packed: PackedMatrix, c: UnsafeMutablePointer<Float>, accumulate: Bool,
                             _ te: TileEpilogue, _ kept: KeptTileOffer) throws -> Bool {
        let n = packed.n
        let ok = try a.withUnsafeBuffer(of: Float.self) { pa -> Bool in
            guard let ba = pa.baseAddress else { return false }
            return sgemmPacked(m: rows, a: ba, lda: packed.k, b: packed, c: c, ldc: n, accumulate: accumulate) { p, r, j0, cols in
                te.apply(p, rows: r, cols: cols, stride: n, col0: j0)
            }
        }
        if ok { kept.applied() }
        return ok
    }

    /// `c = a · packed` (or `c += …`), rows × n, taking the step's tile epilogue when offered
    /// and it fits; false when the product could not run (C untouched).
    static func multiply(rows: Int, a: UnsafePointer<Float>, _ packed: PackedMatrix, c: UnsafeMutablePointer<Float>,
                         accumulate: Bool, offer: TileEpilogueOffer?) -> Bool {
        let n = packed.n
        if let offer, offer.epilogue.fits(columns: n) {
            let te = offer.epilogue
            let ok = sgemmPacked(m: rows, a: a, lda: packed.k, b: packed, c: c, ldc: n, accumulate: accumulate) { p, r, j0, cols in
                te.apply(p, rows: r, cols: cols, stride: n, col0: j0)
            }
            if ok { offer.applied = true }
            return ok
        }
        return sgemmPacked(m: rows, a: a, lda: packed.k, b: packed, c: c, ldc: n, accumulate: accumulate)
    }
}

/// A constant weight packed for `sgemmPacked`, made on first use and kept for every plan of
/// the interpreter (like `TransposedWeight`).
final class PackedWeight: DerivedWeight<PackedMatrix>, @unchecked Sendable {
    /// `w` (op(W) = W, or Wᵀ when `transposed`) packed, or nil when it could not be (memory
    /// budget, sizes). A `w` other than the first one asked for gets nil: the box belongs to
    /// one constant.
    func matrix(for w: Tensor, transposed: Bool) -> PackedMatrix? {
        guard w.dtype == .float32, w.rank == 2 else { return nil }
        return value(for: w, form: transposed) { w in
            let k = transposed ? w.shape[1] : w.shape[0], n = transposed ? w.shape[0] : w.shape[1]
            // Each packed piece of a mapped weight leaves the resident set at once (the rest
            // when the box has made the copy).
            return try PackedMatrix(w.rawPointer.assumingMemoryBound(to: Float.self), ldb: w.shape[1],
                                    transposed: transposed, k: k, n: n) { offset, count in
                w.buffer.releaseMappedPages(byteOffset: w.byteOffset + offset, byteCount: count)
            }
        }
    }
}
