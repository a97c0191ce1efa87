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
        let bf = try shiftedFloats(b, by: bz, columns: n)
        let outShape = Array(a.shape.dropLast()) + [n]
        let (buf, dst, count) = try newOutput(outShape, Int32.self)
        if count == 0 { return Tensor(dtype: .int32, shape: outShape, buffer: buf) }
        if k == 0 {
            dst.update(repeating: 0, count: count)
            return Tensor(dtype: .int32, shape: outShape, buffer: buf)
        }
        let slice = 256
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { tmp.deallocate() }
        var k0 = 0
        af.withUnsafeBufferPointer { pa in
            bf.withUnsafeBufferPointer { pb in
                guard let pa = pa.baseAddress, let pb = pb.baseAddress else { return }
                while k0 < k {
                    let kk = min(slice, k - k0)
                    sgemm(transA: false, transB: false, m: m, n: n, k: kk, alpha: 1,
                          a: pa + k0, lda: k, b: pb + k0 * n, ldb: n, beta: 0, c: tmp, ldc: n)
                    wholeFloatsToInt32(tmp, dst, count, accumulate: k0 > 0)
                    k0 += kk
                }
            }
        }
        return Tensor(dtype: .int32, shape: outShape, buffer: buf)
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
