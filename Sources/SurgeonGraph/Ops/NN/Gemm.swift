import SurgeonTensor

/// Gemm: `alpha * op(A) @ op(B) + beta * C`, C broadcast to [M, N] (optional from opset 11).
enum Gemm {
    static func register(_ r: inout OpRegistry) {
        r.register("Gemm", since: 1) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            let c = try ctx.optionalTensor(2)
            let alpha = try ctx.float("alpha", 1), beta = try ctx.float("beta", 1)
            let ta = try ctx.int("transA", 0) != 0, tb = try ctx.int("transB", 0) != 0
            return [.tensor(try gemm(a, b, c, alpha: alpha, beta: beta, transA: ta, transB: tb))]
        }
    }

    static func gemm(_ a: Tensor, _ b: Tensor, _ c: Tensor?, alpha: Float, beta: Float, transA: Bool, transB: Bool) throws -> Tensor {
        guard a.rank == 2 && b.rank == 2 else { throw TensorError("Gemm needs 2-D A and B, got \(a.typeDescription) and \(b.typeDescription)") }
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let k2 = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == k2 else { throw TensorError("Gemm: inner dimensions differ (\(k) and \(k2))") }
        guard a.dtype == .float32 && b.dtype == .float32 else {
            let dt = a.dtype
            let r = try gemm(a.cast(to: .float32), b.cast(to: .float32), c?.cast(to: .float32),
                             alpha: alpha, beta: beta, transA: transA, transB: transB)
            // Integers and doubles are computed in float32 here; exact enough for the sizes Gemm sees.
            return try r.cast(to: dt)
        }
        var base: Tensor
        if let c, beta != 0 {
            base = try filledC(c.cast(to: .float32), m: m, n: n) ?? c.cast(to: .float32).broadcast(to: [m, n]).copied()
        } else {
            base = try Tensor(zeros: .float32, shape: [m, n])
        }
        let effBeta: Float = (c != nil) ? beta : 0
        try a.withUnsafeBuffer(of: Float.self) { pa in
            try b.withUnsafeBuffer(of: Float.self) { pb in
                let pc = base.rawPointer.assumingMemoryBound(to: Float.self)
                guard let ba = pa.baseAddress, let bb = pb.baseAddress else { return }
                sgemmAdaptive(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                      a: ba, lda: a.shape[1], b: bb, ldb: b.shape[1], beta: effBeta, c: pc, ldc: n)
            }
        }
        return base
    }

    /// A fresh [m, n] float32 tensor holding C broadcast, for the common shapes (a scalar, a
    /// row of n, a column of m, the full matrix) without going through a per-element index
    /// table; nil for other shapes (then `broadcast(to:)` does it).
    static func filledC(_ c: Tensor, m: Int, n: Int) throws -> Tensor? {
        guard fillsC(c, m: m, n: n) else { return nil }
        let (buf, dst, _) = try newOutput([m, n], Float.self)
        try fillC(c, m: m, n: n, into: dst)
        return Tensor(dtype: .float32, shape: [m, n], buffer: buf)
    }

    /// Whether `fillC` takes `c` (float32, a scalar, a row of n, a column of m or [m, n]).
    static func fillsC(_ c: Tensor, m: Int, n: Int) -> Bool {
        guard c.dtype == .float32, c.rank <= 2 else { return false }
        let cs = c.rank == 2 ? c.shape : c.rank == 1 ? [1, c.shape[0]] : [1, 1]
        return cs == [1, n] || cs == [m, 1] || cs == [m, n] || cs == [1, 1]
    }

    /// `dst` ([m, n]) = C broadcast, for a `c` that `fillsC` takes (else nothing is written).
    static func fillC(_ c: Tensor, m: Int, n: Int, into dst: UnsafeMutablePointer<Float>) throws {
        guard fillsC(c, m: m, n: n) else { return }
        let cs = c.rank == 2 ? c.shape : c.rank == 1 ? [1, c.shape[0]] : [1, 1]
        let row = cs == [1, n], col = cs == [m, 1], full = cs == [m, n]
        let src = try elementPointer(c, Float.self)
        let count = m * n
        guard count > 0 else { return }
        withExtendedLifetime(c) {
            if full {
                dst.update(from: src, count: count)
            } else if row {
                for i in 0..<m { (dst + i * n).update(from: src, count: n) }
            } else if col {
                for i in 0..<m { (dst + i * n).update(repeating: src[i], count: n) }
            } else {
                dst.update(repeating: src[0], count: count)
            }
        }
    }
}
