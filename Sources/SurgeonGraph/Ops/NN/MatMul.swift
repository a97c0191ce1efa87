import SurgeonTensor

/// MatMul: numpy `matmul` (1-D operands promoted and squeezed back, batch dims broadcast).
/// float32 and float64 go through BLAS one batch at a time without copying operands;
/// other types use a plain loop in Double / Int64.
enum MatMul {
    static func register(_ r: inout OpRegistry) {
        r.register("MatMul", since: 1) { ctx in [.tensor(try matmul(ctx.tensor(0), ctx.tensor(1)))] }
    }

    /// True when batch i reads A's matrix i and always the same B matrix, so the batched
    /// product is a single `[nb*m, k] @ [k, n]` product.
    static func foldsBatch(offA: [Int], offB: [Int]) -> Bool {
        for i in 0..<offA.count where offA[i] != i || offB[i] != offB[0] { return false }
        return offB.first == 0
    }

    /// `a @ wtᵀ` for a float32 `a` of shape [..., k] and `wt` of shape [n, k] (a weight stored
    /// transposed): one product over all of a's rows, B read transposed.
    static func matmul(_ a: Tensor, transposedWeight wt: Tensor) throws -> Tensor {
        guard a.dtype == .float32, wt.dtype == .float32, wt.rank == 2, a.rank >= 1, a.shape[a.rank - 1] == wt.shape[1] else {
            throw TensorError("MatMul: \(a.typeDescription) does not match a transposed \(wt.typeDescription) weight")
        }
        let k = wt.shape[1], n = wt.shape[0]
        let rows = k == 0 ? a.shape.dropLast().reduce(1, *) : a.count / k
        let outShape = Array(a.shape.dropLast()) + [n]
        return try a.withUnsafeBuffer(of: Float.self) { pa in
            try wt.withUnsafeBuffer(of: Float.self) { pw in
                try Tensor.buildOverwriting(outShape, of: Float.self) { pc in
                    guard let ba = pa.baseAddress, let bw = pw.baseAddress, let bc = pc.baseAddress else {
                        pc.initialize(repeating: 0)
                        return
                    }
                    sgemmAdaptive(transA: false, transB: true, m: rows, n: n, k: k, alpha: 1, a: ba, lda: max(k, 1),
                          b: bw, ldb: max(k, 1), beta: 0, c: bc, ldc: n)
                }
            }
        }
    }

    static func matmul(_ a0: Tensor, _ b0: Tensor) throws -> Tensor {
        guard a0.dtype == b0.dtype else { throw TensorError("MatMul of \(a0.dtype) and \(b0.dtype)") }
        guard a0.rank >= 1 && b0.rank >= 1 else { throw TensorError("MatMul needs operands of rank 1 or more") }
        let a = a0.rank == 1 ? try a0.reshaped([1, a0.shape[0]]) : a0
        let b = b0.rank == 1 ? try b0.reshaped([b0.shape[0], 1]) : b0
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        guard k == k2 else {
            throw TensorError("MatMul: inner dimensions differ: \(a0.typeDescription) @ \(b0.typeDescription)")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = try broadcastShapes([batchA, batchB])
        var outShape = batch + [m, n]
        let nb = batch.reduce(1, *)
        // Offsets (in matrices) of each batch's operand.
        var offA = [Int](repeating: 0, count: nb), offB = [Int](repeating: 0, count: nb)
        let sa = broadcastStrides(batchA, to: batch), sb = broadcastStrides(batchB, to: batch)
        forEachBroadcast(batch, [sa, sb]) { i, off in offA[i] = off[0]; offB[i] = off[1] }
        var result: Tensor
        switch a.dtype {
        case .float32:
            result = try a.withUnsafeBuffer(of: Float.self) { pa in
                try b.withUnsafeBuffer(of: Float.self) { pb in
                    // sgemm with beta 0 writes every element of C.
                    try Tensor.buildOverwriting(outShape, of: Float.self) { pc in
                        guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else {
                            pc.initialize(repeating: 0)
                            return
                        }
                        if nb > 1 && foldsBatch(offA: offA, offB: offB) {
                            // [batch..., m, k] @ [k, n]: the batches are consecutive rows of one product.
                            sgemmAdaptive(transA: false, transB: false, m: nb * m, n: n, k: k, alpha: 1,
                                  a: ba, lda: k, b: bb, ldb: n, beta: 0, c: bc, ldc: n)
                            return
                        }
                        let oa = offA, ob = offB
                        let product = { (i: Int, threads: Int) in
                            sgemmAdaptive(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                  a: ba + oa[i] * m * k, lda: k, b: bb + ob[i] * k * n, ldb: n,
                                  beta: 0, c: bc + i * m * n, ldc: n, threads: threads)
                        }
                        if splitsBatches(count: nb, m: m, n: n, k: k) {
                            // Whole products shared among the threads (attention's heads).
                            parallelFor(nb) { product($0, 1) }
                        } else {
                            for i in 0..<nb { product(i, kernelThreads) }
                        }
                    }
                }
            }
        case .float64:
            result = try a.withUnsafeBuffer(of: Double.self) { pa in
                try b.withUnsafeBuffer(of: Double.self) { pb in
                    try Tensor.build(outShape, of: Double.self) { pc in
                        guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else { return }
                        for i in 0..<nb {
                            dgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                  a: ba + offA[i] * m * k, lda: k, b: bb + offB[i] * k * n, ldb: n,
                                  beta: 0, c: bc + i * m * n, ldc: n)
                        }
                    }
                }
            }
        case .float16, .bfloat16:
            result = try matmul(a.cast(to: .float32), b.cast(to: .float32)).cast(to: a.dtype)
            outShape = result.shape
        default:
            guard a.dtype.isInteger else { throw TensorError("MatMul does not support \(a.dtype)") }
            let va = a.int64Array(), vb = b.int64Array()
            var out = [Int64](repeating: 0, count: nb * m * n)
            for bi in 0..<nb {
                let oa = offA[bi] * m * k, ob = offB[bi] * k * n
                for i in 0..<m {
                    for p in 0..<k {
                        let x = va[oa + i * k + p]
                        for j in 0..<n { out[bi * m * n + i * n + j] &+= x &* vb[ob + p * n + j] }
                    }
                }
            }
            result = try Tensor(int64s: out, shape: outShape, dtype: a.dtype)
        }
        // Drop the axes that 1-D operands were promoted with.
        if a0.rank == 1 { outShape.remove(at: outShape.count - 2) }
        if b0.rank == 1 { outShape.removeLast() }
        return try result.reshaped(outShape)
    }
}
