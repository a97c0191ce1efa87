import SurgeonTensor

/// The float32 ConvTranspose for 1-D and 2-D (1-D as 2-D of height 1), written straight into
/// the output: the bias first, then per (batch item, group, band of input rows) one product
/// `W_gᵀ · X_band` (`mg * kh * kw` rows of columns, the band's positions across) into a
/// scratch buffer, scattered (col2im) into the output with pointer loops over each tap's
/// valid input range, output channels shared among the kernel threads. Bands keep the
/// column buffer near 1 MB. (The plain kernel's N-D col2im walked every index through
/// closures and tables: 0.73 ms of unet_small's 2.2 for 2M multiply-adds.)
enum ConvTransposeFloat {
    static func supports(_ s: ConvTransposeShape) -> Bool {
        s.inSp.count == 1 || s.inSp.count == 2
    }

    /// Floats of the column buffer per band, about 1 MB.
    static let columnBudget = 1 << 18

    /// - Parameters: `x` `[n, c, inSp...]`, `w` `[c, mg, kernel...]`, `bias` m values or nil
    ///   (nil pointers only for empty tensors); `y` holds `s.outShape` values, all written.
    ///   `columnBudget`: floats per band (tests force small bands).
    static func run(x: UnsafePointer<Float>?, w: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                    shape s: ConvTransposeShape, y: UnsafeMutablePointer<Float>, columnBudget: Int = columnBudget) {
        // 1-D as 2-D with a unit height.
        let two = s.inSp.count == 2
        let ih = two ? s.inSp[0] : 1, iw = s.inSp[two ? 1 : 0]
        let oh = two ? s.outSp[0] : 1, ow = s.outSp[two ? 1 : 0]
        let kh = two ? s.kernel[0] : 1, kw = s.kernel[two ? 1 : 0]
        let sh = two ? s.strides[0] : 1, sw = s.strides[two ? 1 : 0]
        let dh = two ? s.dilations[0] : 1, dw = s.dilations[two ? 1 : 0]
        let ph = two ? s.padBegin[0] : 0, pw = s.padBegin[two ? 1 : 0]
        let n = s.n, c = s.c, m = s.m, group = s.group, cg = s.cg, mg = s.mg
        let inSize = ih * iw, outSize = oh * ow, kSize = kh * kw
        if n * m * outSize == 0 { return }
        for b in 0..<n {
            for oc in 0..<m { (y + (b * m + oc) * outSize).update(repeating: bias?[oc] ?? 0, count: outSize) }
        }
        guard let x, let w, inSize > 0, cg > 0, kSize > 0 else { return }
        let rows = mg * kSize
        let bandRows = max(1, min(ih, columnBudget / max(1, rows * iw)))
        let colCount = rows * bandRows * iw
        let col = ScratchMemory.allocate(Float.self, count: colCount)
        defer { ScratchMemory.release(col, count: colCount) }
        for b in 0..<n {
            for gi in 0..<group {
                var r0 = 0
                while r0 < ih {
                    let nr = min(bandRows, ih - r0), ncol = nr * iw
                    sgemm(transA: true, transB: false, m: rows, n: ncol, k: cg, alpha: 1,
                          a: w + gi * cg * rows, lda: rows, b: x + (b * c + gi * cg) * inSize + r0 * iw, ldb: inSize,
                          beta: 0, c: col, ldc: ncol)
                    let firstRow = r0
                    parallelItems(mg, costPerItem: kSize * ncol) { oc in
                        scatter(col + oc * kSize * ncol, rows: nr, firstRow: firstRow, iw: iw,
                                into: y + (b * m + gi * mg + oc) * outSize, oh: oh, ow: ow,
                                kh: kh, kw: kw, sh: sh, sw: sw, dh: dh, dw: dw, ph: ph, pw: pw)
                    }
                    r0 += nr
                }
            }
        }
    }

    /// Adds one output channel's columns (`kh * kw` taps × `rows * iw` input positions from
    /// input row `firstRow`) into its `oh × ow` plane: input (iy, ix) of tap (ky, kx) goes to
    /// (iy * sh - ph + ky * dh, ix * sw - pw + kx * dw) when that is inside the plane.
    @inline(__always)
    static func scatter(_ col: UnsafePointer<Float>, rows: Int, firstRow: Int, iw: Int,
                        into dst: UnsafeMutablePointer<Float>, oh: Int, ow: Int,
                        kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int, ph: Int, pw: Int) {
        let ncol = rows * iw
        for kx in 0..<kw {
            let xo = kx * dw - pw
            // Input columns ix with 0 <= ix * sw + xo < ow: ixLo ..< ixHi.
            let ixLo = min(iw, xo >= 0 ? 0 : (-xo + sw - 1) / sw)
            let ixHi = ow - 1 - xo < 0 ? 0 : min(iw, (ow - 1 - xo) / sw + 1)
            if ixLo >= ixHi { continue }
            let first = ixLo * sw + xo, count = ixHi - ixLo
            for ky in 0..<kh {
                let tap = col + (ky * kw + kx) * ncol + ixLo
                for r in 0..<rows {
                    let oy = (firstRow + r) * sh - ph + ky * dh
                    if oy < 0 || oy >= oh { continue }
                    let d = dst + (oy * ow + first), src = tap + r * iw
                    if sw == 1 {
                        for i in 0..<count { d[i] += src[i] }
                    } else {
                        var q = 0
                        for i in 0..<count { d[q] += src[i]; q &+= sw }
                    }
                }
            }
        }
    }
}
