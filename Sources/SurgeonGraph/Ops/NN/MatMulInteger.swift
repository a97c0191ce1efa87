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
        let az = azp.map { Float($0.int64Array()[0]) } ?? 0
        let bz: [Float] = bzp.map { $0.int64Array().map { Float($0) } } ?? [0]
        let ap = try bytes(a), bp = try bytes(b)
        let af = ScratchMemory.allocate(Float.self, count: m * k)
        defer { ScratchMemory.release(af, count: m * k) }
        withExtendedLifetime(a) {
            shiftedFloats(ap, signed: a.dtype == .int8, rows: m, stride: k, col0: 0, width: k, minus: [az], into: af)
        }
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
        let bf = ScratchMemory.allocate(Float.self, count: k * block)
        defer { ScratchMemory.release(bf, count: k * block) }
        let tmp = ScratchMemory.allocate(Float.self, count: m * block)
        defer { ScratchMemory.release(tmp, count: m * block) }
        let signed = b.dtype == .int8
        withExtendedLifetime(b) {
            let pa = UnsafePointer(af)
            var j0 = 0
            while j0 < n {
                let nb = min(block, n - j0)
                shiftedFloats(bp, signed: signed, rows: k, stride: n, col0: j0, width: nb, minus: bz, into: bf)
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
        return Tensor(dtype: .int32, shape: outShape, buffer: buf)
    }

    /// uint8 A `[..., M, K]` by a constant int8 B `[K, N]` packed once (`QGemm.PackedWeights` of
    /// Bᵀ, see PlanIntegerMatMul.swift), with a scalar A zero point and a scalar or per-column B
    /// zero point: the VNNI kernel's raw products Σ a·b, then the zero points by their sums,
    /// `Σ (a - az)(b - bz) = Σ a·b - bz·Σa - az·Σb + K·az·bz`, all in wrapping int32: the same
    /// integers as `integerMatMul` (a ring identity mod 2³², whatever the thread split). As
    /// float32 when `float32` (a fused Cast: `Float(v)` of each integer, as Cast gives it). nil
    /// when these operands are not that form or the kernel does not run here.
    static func packed(_ a: Tensor, _ b: Tensor, _ azp: Tensor?, _ bzp: Tensor?, weights: QGemm.PackedWeights,
                       float32: Bool) throws -> Tensor? {
        guard QGemm.available, a.dtype == .uint8, b.dtype == .int8, a.rank >= 2, b.rank == 2 else { return nil }
        let k = b.shape[0], n = b.shape[1]
        guard a.shape[a.rank - 1] == k, k > 0, n > 0, weights.depth == k, weights.rows == n else { return nil }
        if let azp, azp.count != 1 || azp.dtype != .uint8 { return nil }
        if let bzp, (bzp.count != 1 && (bzp.rank != 1 || bzp.count != n)) || bzp.dtype != .int8 { return nil }
        let m = a.count / k
        let az = Int32(azp.map { $0.int64Array()[0] } ?? 0)
        let bz: [Int32] = bzp.map { $0.int64Array().map { Int32($0) } } ?? [0]
        let outShape = Array(a.shape.dropLast()) + [n]
        // A's rows need a stride that is a multiple of 4: copied when K is not.
        let lda = QGemm.rowStride(depth: k)
        let padded: UnsafeMutablePointer<UInt8>? = lda == k ? nil : ScratchMemory.allocate(UInt8.self, count: m * lda)
        defer { if let padded { ScratchMemory.release(padded, count: m * lda) } }
        let c = ScratchMemory.allocate(Int32.self, count: max(m * n, 1))
        defer { ScratchMemory.release(c, count: max(m * n, 1)) }
        let ap = try bytes(a)
        let rowSumsA = ScratchMemory.allocate(Int32.self, count: max(m, 1))
        defer { ScratchMemory.release(rowSumsA, count: max(m, 1)) }
        let perColumn = bz.count > 1 || bz[0] != 0
        withExtendedLifetime(a) {
            if let padded {
                for r in 0..<m {
                    (padded + r * lda).update(from: ap + r * k, count: k)
                    (padded + r * lda + k).update(repeating: 0, count: lda - k)
                }
            }
            QGemm.multiply(a: UnsafePointer(padded) ?? ap, lda: lda, m: m, weights, c: c, ldc: n)
            if perColumn {
                for r in 0..<m {
                    var s: Int32 = 0
                    let row = ap + r * k
                    for p in 0..<k { s &+= Int32(row[p]) }
                    rowSumsA[r] = s
                }
            }
        }
        // Per column: K·az·bz_j - az·Σ_p B[p][j].
        let kz = Int32(truncatingIfNeeded: k) &* az
        let columnTerms: [Int32] = (0..<n).map { j in
            let bj = bz.count > 1 ? bz[j] : bz[0]
            return kz &* bj &- az &* weights.rowSums[j]
        }
        func finish<R: TensorScalar>(_ type: R.Type, _ convert: (Int32) -> R) throws -> Tensor {
            let (buf, dst, _) = try newOutput(outShape, R.self)
            columnTerms.withUnsafeBufferPointer { tp in
                bz.withUnsafeBufferPointer { zp in
                    guard let t = tp.baseAddress, let z = zp.baseAddress else { return }
                    for r in 0..<m {
                        let src = c + r * n, out = dst + r * n
                        if perColumn {
                            let sa = rowSumsA[r]
                            if zp.count > 1 {
                                for j in 0..<n { out[j] = convert(src[j] &+ t[j] &- z[j] &* sa) }
                            } else {
                                let zs = z[0] &* sa
                                for j in 0..<n { out[j] = convert(src[j] &+ t[j] &- zs) }
                            }
                        } else {
                            for j in 0..<n { out[j] = convert(src[j] &+ t[j]) }
                        }
                    }
                }
            }
            return Tensor(dtype: R.dtype, shape: outShape, buffer: buf)
        }
        return float32 ? try finish(Float.self) { Float($0) } : try finish(Int32.self) { $0 }
    }

    /// The bytes of a uint8 / int8 tensor.
    private static func bytes(_ t: Tensor) throws -> UnsafePointer<UInt8> {
        guard t.dtype == .uint8 || t.dtype == .int8 else { throw TensorError("expected an 8-bit tensor, got \(t.dtype)") }
        return UnsafePointer(t.rawPointer.bindMemory(to: UInt8.self, capacity: max(t.count, 1)))
    }

    /// `dst[r * width + j] = src[r * stride + col0 + j] - z` for `r < rows`, `j < width`: 8-bit
    /// values (int8 when `signed`, else uint8) as floats minus a zero point, one (`z[0]`) or one
    /// per column (`z[col0 + j]`). Branch-free loops per case, so they vectorise (a per-element
    /// dtype and zero-point choice made B's conversion 40% of bert_qdynamic's run).
    private static func shiftedFloats(_ src: UnsafePointer<UInt8>, signed: Bool, rows: Int, stride: Int, col0: Int,
                                      width: Int, minus z: [Float], into dst: UnsafeMutablePointer<Float>) {
        z.withUnsafeBufferPointer { zb in
            guard let zp = zb.baseAddress else { return }
            for r in 0..<rows {
                let s = src + r * stride + col0, d = dst + r * width
                if signed {
                    let s8 = UnsafeRawPointer(s).assumingMemoryBound(to: Int8.self)
                    for j in 0..<width { d[j] = Float(s8[j]) }
                } else {
                    for j in 0..<width { d[j] = Float(s[j]) }
                }
                if zb.count > 1 {
                    let zc = zp + col0
                    for j in 0..<width { d[j] -= zc[j] }
                } else if zp[0] != 0 {
                    let z0 = zp[0]
                    for j in 0..<width { d[j] -= z0 }
                }
            }
        }
    }
}
