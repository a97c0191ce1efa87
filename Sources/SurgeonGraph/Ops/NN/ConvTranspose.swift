import SurgeonTensor

/// ConvTranspose (opset 1, 11, 22): N-D transposed convolution with groups, strides, dilations,
/// pads / auto_pad, output_padding and output_shape. Computed as `W_gᵀ · X_g` (sgemm) per group
/// followed by a col2im scatter-add, in Float (float64 too; its precision is not needed here).
enum ConvTranspose {
    static func register(_ r: inout OpRegistry) {
        r.register("ConvTranspose", since: 1) { ctx in [.tensor(try run(ctx))] }
    }

    static func run(_ ctx: OpContext) throws -> Tensor {
        let x = try ctx.tensor(0), w = try ctx.tensor(1), bias = try ctx.optionalTensor(2)
        try requireFloat(x, "ConvTranspose", "X")
        guard w.dtype == x.dtype else { throw ctx.error("X and W types differ") }
        guard x.rank >= 3, w.rank == x.rank else { throw ctx.error("X \(x.typeDescription) and W \(w.typeDescription) need one rank of 3 or more") }
        let r = x.rank - 2
        let group = try ctx.int("group", 1)
        let c = x.shape[1]
        guard group >= 1, c % group == 0, w.shape[0] == c else {
            throw ctx.error("W \(w.typeDescription) does not match \(c) input channels in \(group) groups")
        }
        let cg = c / group, mg = w.shape[1], m = mg * group
        let kernel = Array(w.shape[2...])
        let inSp = Array(x.shape[2...])
        let strides = try ctx.ints("strides") ?? Array(repeating: 1, count: r)
        let dil = try ctx.ints("dilations") ?? Array(repeating: 1, count: r)
        let outPad = try ctx.ints("output_padding") ?? Array(repeating: 0, count: r)
        guard strides.count == r, dil.count == r, outPad.count >= r,
              strides.allSatisfy({ $0 > 0 }), dil.allSatisfy({ $0 > 0 }) else {
            throw ctx.error("strides/dilations/output_padding need \(r) positive values")
        }
        let autoPad = try ctx.string("auto_pad", "NOTSET")
        var outShapeAttr = try ctx.ints("output_shape")
        if let o = outShapeAttr, o.count == r + 2 { outShapeAttr = Array(o[2...]) }
        if let o = outShapeAttr, o.count != r { throw ctx.error("output_shape needs \(r) values") }
        var padB = [Int](repeating: 0, count: r), padE = [Int](repeating: 0, count: r)
        var outSp = [Int](repeating: 0, count: r)
        let padsAttr = try ctx.ints("pads")
        if let p = padsAttr, p.count != 2 * r { throw ctx.error("pads needs \(2 * r) values") }
        for i in 0..<r {
            let ek = (kernel[i] - 1) * dil[i] + 1
            let full = strides[i] * (inSp[i] - 1) + outPad[i] + ek
            // As the ONNX reference (and its test data): output_shape without SAME auto_pad keeps
            // zero pads and crops / extends at the end.
            if padsAttr == nil && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
                let target = outShapeAttr?[i] ?? inSp[i] * strides[i]
                let total = full - target
                if autoPad == "SAME_UPPER" { padB[i] = total / 2; padE[i] = total - total / 2 }
                else { padB[i] = total - total / 2; padE[i] = total / 2 }
                outSp[i] = target
            } else {
                if let p = padsAttr, autoPad != "VALID" { padB[i] = p[i]; padE[i] = p[i + r] }
                outSp[i] = outShapeAttr?[i] ?? (full - padB[i] - padE[i])
            }
            guard outSp[i] >= 0 else { throw ctx.error("output extent \(outSp[i]) is negative") }
        }
        if let bias, bias.count != m { throw ctx.error("B needs \(m) values, got \(bias.count)") }
        let n = x.shape[0]
        let outShape = [n, m] + outSp
        let inSize = inSp.reduce(1, *), outSize = outSp.reduce(1, *), kSize = kernel.reduce(1, *)
        var y = [Float](repeating: 0, count: try Tensor.checkedCount(outShape, dtype: .float32))
        let xv = x.floatArray(), wv = w.floatArray()
        let rows = mg * kSize
        var col = [Float](repeating: 0, count: try Tensor.checkedCount([rows, inSize], dtype: .float32))
        // Per axis: output coordinate of (kernel tap, input position), or -1 when cropped.
        var table: [[Int]] = []
        for a in 0..<r {
            var t = [Int](repeating: -1, count: kernel[a] * inSp[a])
            for k in 0..<kernel[a] {
                for i in 0..<inSp[a] {
                    let o = i * strides[a] - padB[a] + k * dil[a]
                    if o >= 0 && o < outSp[a] { t[k * inSp[a] + i] = o }
                }
            }
            table.append(t)
        }
        let outStrides = contiguousStrides(outSp)
        for b in 0..<n {
            for gi in 0..<group {
                xv.withUnsafeBufferPointer { px in
                    wv.withUnsafeBufferPointer { pw in
                        col.withUnsafeMutableBufferPointer { pc in
                            guard let xb = px.baseAddress, let wb = pw.baseAddress, let cb = pc.baseAddress else { return }
                            sgemm(transA: true, transB: false, m: rows, n: inSize, k: cg, alpha: 1,
                                  a: wb + gi * cg * rows, lda: rows, b: xb + (b * c + gi * cg) * inSize, ldb: inSize,
                                  beta: 0, c: cb, ldc: inSize)
                        }
                    }
                }
                // col2im scatter-add.
                for oc in 0..<mg {
                    let yBase = (b * m + gi * mg + oc) * outSize
                    forEachIndex(kernel) { kflat, kidx in
                        let cBase = (oc * kSize + kflat) * inSize
                        forEachIndex(inSp) { iflat, iidx in
                            var off = 0
                            for a in 0..<r {
                                let o = table[a][kidx[a] * inSp[a] + iidx[a]]
                                if o < 0 { return }
                                off += o * outStrides[a]
                            }
                            y[yBase + off] += col[cBase + iflat]
                        }
                    }
                }
            }
        }
        if let bias {
            let bv = bias.floatArray()
            for b in 0..<n { for oc in 0..<m { for i in 0..<outSize { y[(b * m + oc) * outSize + i] += bv[oc] } } }
        }
        return try floatTensor(y, shape: outShape, dtype: x.dtype)
    }
}
