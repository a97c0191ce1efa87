import SurgeonTensor

/// MatMulInteger (opset 10): `(A - a_zero_point) @ (B - b_zero_point)` in int32, with scalar,
/// per-row (A) or per-column (B) zero points. Computed exactly through float64 BLAS.
enum MatMulInteger {
    static func register(_ r: inout OpRegistry) {
        r.register("MatMulInteger", since: 10) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            guard a.dtype.isInteger, b.dtype.isInteger else { throw ctx.error("A and B must be integer tensors") }
            let azp = try ctx.optionalTensor(2), bzp = try ctx.optionalTensor(3)
            if let c = try fast(a, b, azp, bzp) { return [.tensor(c)] }
            let c = try integerMatMul(a, b, azp, bzp)
            return [.tensor(try c.cast(to: .int32))]
        }
    }

    /// `(A - azp) @ (B - bzp)` as a float64 tensor (exact for 8/16-bit inputs).
    static func integerMatMul(_ a: Tensor, _ b: Tensor, _ azp: Tensor?, _ bzp: Tensor?) throws -> Tensor {
        var ad = try a.cast(to: .float64), bd = try b.cast(to: .float64)
        if let azp {
            var z = try azp.cast(to: .float64)
            // A per-row zero point [M] applies along A's rows.
            if z.count > 1 && a.rank >= 2 { z = try z.reshaped(Array(z.shape) + [1]) }
            ad = try map2(ad, z, Double.self, Double.self, Double.self, -)
        }
        if let bzp { bd = try map2(bd, bzp.cast(to: .float64), Double.self, Double.self, Double.self, -) }
        return try MatMul.matmul(ad, bd)
    }

    /// 8-bit A `[..., M, K]` and 2-D B `[K, N]` with a scalar A zero point and a scalar or
    /// per-column B zero point: the shifted operands as float32 and `sgemm` over slices of at
    /// most 256 along K, each exact in float32 (|sum| <= 256 * 255 * 255 < 2^24), added up in
    /// Int32 (wrapping, as int32 accumulation does). nil when the general path must run.
    static func fast(_ a: Tensor, _ b: Tensor, _ azp: Tensor?, _ bzp: Tensor?) throws -> Tensor? {
        guard a.dtype == .uint8 || a.dtype == .int8, b.dtype == .uint8 || b.dtype == .int8 else { return nil }
        guard a.rank >= 2, b.rank == 2, a.shape[a.rank - 1] == b.shape[0] else { return nil }
        if let azp, azp.count != 1 || azp.dtype != a.dtype { return nil }
        if let bzp, (bzp.count != 1 && (bzp.rank != 1 || bzp.count != b.shape[1])) || bzp.dtype != b.dtype { return nil }
        let k = b.shape[0], n = b.shape[1]
        let m = a.count / max(k, 1)
        let az = try azp.map { Float($0.int64Array()[0]) } ?? 0
        let bz: [Float] = bzp.map { $0.int64Array().map { Float($0) } } ?? [0]
        let af = try shiftedFloats(a, by: [az], columns: k)
        let outShape = Array(a.shape.dropLast()) + [n]
        let (buf, dst, count) = try newOutput(outShape, Int32.self)
        if count == 0 { return Tensor(dtype: .int32, shape: outShape, buffer: buf) }
        if k == 0 {
            dst.update(repeating: 0, count: count)
            return Tensor(dtype: .int32, shape: outShape, buffer: buf)
        }
        // B (a weight, often the largest tensor of the step) as floats a block of columns at a
        // time (~1 MB), not whole: a 1280×1000 classifier would need 5 MB of floats per call.
        let slice = 256
        let block = max(1, min(n, (1 << 18) / max(k, 1)))
        let bf = UnsafeMutablePointer<Float>.allocate(capacity: k * block)
        defer { bf.deallocate() }
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: m * block)
        defer { tmp.deallocate() }
        let bp = try bytes(b)
        let signed = b.dtype == .int8
        try withExtendedLifetime(b) {
            try af.withUnsafeBufferPointer { pa in
                guard let pa = pa.baseAddress else { return }
                var j0 = 0
                while j0 < n {
                    let nb = min(block, n - j0)
                    // Branch-free loops per case, so they vectorise (a per-element dtype and
                    // zero-point choice made this conversion 40% of bert_qdynamic's run).
                    for r in 0..<k {
                        let src = bp + r * n + j0, d = bf + r * nb
                        if signed {
                            let s8 = UnsafeRawPointer(src).assumingMemoryBound(to: Int8.self)
                            for j in 0..<nb { d[j] = Float(s8[j]) }
                        } else {
                            for j in 0..<nb { d[j] = Float(src[j]) }
                        }
                        if bz.count > 1 {
                            bz.withUnsafeBufferPointer { z in
                                guard let z = z.baseAddress else { return }
                                for j in 0..<nb { d[j] -= z[j0 + j] }
                            }
                        } else if let z0 = bz.first, z0 != 0 {
                            for j in 0..<nb { d[j] -= z0 }
                        }
                    }
                    var k0 = 0
                    while k0 < k {
                        let kk = min(slice, k - k0)
                        sgemm(transA: false, transB: false, m: m, n: nb, k: kk, alpha: 1,
                              a: pa + k0, lda: k, b: bf + k0 * nb, ldb: nb, beta: 0, c: tmp, ldc: nb)
                        for r in 0..<m {
                            wholeFloatsToInt32(tmp + r * nb, dst + r * n + j0, nb, accumulate: k0 > 0)
                        }
                        k0 += kk
                    }
                    j0 += nb
                }
            }
        }
        return Tensor(dtype: .int32, shape: outShape, buffer: buf)
    }

    /// The bytes of a uint8 / int8 tensor.
    private static func bytes(_ t: Tensor) throws -> UnsafePointer<UInt8> {
        guard t.dtype == .uint8 || t.dtype == .int8 else { throw TensorError("expected an 8-bit tensor, got \(t.dtype)") }
        return UnsafePointer(t.rawPointer.bindMemory(to: UInt8.self, capacity: max(t.count, 1)))
    }

    /// The elements of an 8-bit tensor minus a zero point (one, or one per column of the
    /// last axis of length `columns`), as floats.
    private static func shiftedFloats(_ t: Tensor, by z: [Float], columns: Int) throws -> [Float] {
        var out = [Float](repeating: 0, count: t.count)
        let perColumn = z.count > 1
        try out.withUnsafeMutableBufferPointer { o in
            func fill<S: TensorScalar & BinaryInteger>(_ type: S.Type) throws {
                let p = try elementPointer(t, S.self)
                withExtendedLifetime(t) {
                    if perColumn {
                        for i in 0..<o.count { o[i] = Float(Int32(p[i])) - z[i % columns] }
                    } else {
                        let z0 = z[0]
                        for i in 0..<o.count { o[i] = Float(Int32(p[i])) - z0 }
                    }
                }
            }
            if t.dtype == .uint8 { try fill(UInt8.self) } else { try fill(Int8.self) }
        }
        return out
    }
}
