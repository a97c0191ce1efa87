import SurgeonTensor

/// The sizes of one ConvTranspose: `[n, c, inSp...]` input, `[c, m / group, kernel...]`
/// weights, `[n, m, outSp...]` output; input position i and kernel tap k write output
/// position `i * strides - padBegin + k * dilations` (dropped outside `[0, outSp)`).
struct ConvTransposeShape {
    var n: Int, c: Int, m: Int, group: Int
    var inSp: [Int], outSp: [Int], kernel: [Int]
    var strides: [Int], dilations: [Int], padBegin: [Int]
    var cg: Int { c / group }
    var mg: Int { m / group }
    var outShape: [Int] { [n, m] + outSp }
}

/// ConvTranspose (opset 1, 11, 22): N-D transposed convolution with groups, strides, dilations,
/// pads / auto_pad, output_padding and output_shape. 1-D and 2-D float32 (float16 / bfloat16
/// through float32) run `ConvTransposeFloat` (GEMM + a 2-D col2im, into the output tensor);
/// the rest runs `plain`: `W_gᵀ · X_g` (sgemm) per group followed by an N-D col2im
/// scatter-add, in Float (float64 too; its precision is not needed here).
enum ConvTranspose {
    static func register(_ r: inout OpRegistry) {
        r.register("ConvTranspose", since: 1) { ctx in [.tensor(try run(ctx))] }
    }

    static func run(_ ctx: OpContext) throws -> Tensor {
        let x = try ctx.tensor(0), w = try ctx.tensor(1), bias = try ctx.optionalTensor(2)
        try requireFloat(x, "ConvTranspose", "X")
        guard w.dtype == x.dtype else { throw ctx.error("X and W types differ") }
        let s = try shape(ctx, x: x, w: w)
        if let bias, bias.count != s.m { throw ctx.error("B needs \(s.m) values, got \(bias.count)") }
        if x.dtype != .float64 && ConvTransposeFloat.supports(s) {
            let xf = x.dtype == .float32 ? x : try x.cast(to: .float32)
            let wf = w.dtype == .float32 ? w : try w.float32Copy()
            let bf: [Float]? = try bias.map { try $0.cast(to: .float32).scalars(of: Float.self) }
            let (buf, yb, _) = try newOutput(s.outShape, Float.self)
            try xf.withUnsafeBuffer(of: Float.self) { px in
                try wf.withUnsafeBuffer(of: Float.self) { pw in
                    withOptionalBuffer(bf) { pb in
                        ConvTransposeFloat.run(x: px.baseAddress, w: pw.baseAddress, bias: pb, shape: s, y: yb)
                    }
                }
            }
            let y = Tensor(dtype: .float32, shape: s.outShape, buffer: buf)
            return x.dtype == .float32 ? y : try y.cast(to: x.dtype)
        }
        let y = plain(x: x.floatArray(), w: w.floatArray(), bias: bias?.floatArray(), shape: s)
        return try floatTensor(y, shape: s.outShape, dtype: x.dtype)
    }

    /// Validates X and W and reads the attributes.
    static func shape(_ ctx: OpContext, x: Tensor, w: Tensor) throws -> ConvTransposeShape {
        guard x.rank >= 3, w.rank == x.rank else { throw ctx.error("X \(x.typeDescription) and W \(w.typeDescription) need one rank of 3 or more") }
        let r = x.rank - 2
        let group = try ctx.int("group", 1)
        let c = x.shape[1]
        guard group >= 1, c % group == 0, w.shape[0] == c else {
            throw ctx.error("W \(w.typeDescription) does not match \(c) input channels in \(group) groups")
        }
        let mg = w.shape[1], m = mg * group
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
        _ = try Tensor.checkedCount([x.shape[0], m] + outSp, dtype: .float32)
        return ConvTransposeShape(n: x.shape[0], c: c, m: m, group: group, inSp: inSp, outSp: outSp, kernel: kernel,
                                  strides: strides, dilations: dil, padBegin: padB)
    }

    /// The plain N-D kernel (any rank), the yardstick `ConvTransposeFloat` is tested against.
    /// `x`, `w`, `bias` hold the values of the shapes `s` describes.
    static func plain(x xv: [Float], w wv: [Float], bias bv: [Float]?, shape s: ConvTransposeShape) -> [Float] {
        let r = s.inSp.count, n = s.n, c = s.c, m = s.m, group = s.group, cg = s.cg, mg = s.mg
        let kernel = s.kernel, inSp = s.inSp, outSp = s.outSp
        let inSize = inSp.reduce(1, *), outSize = outSp.reduce(1, *), kSize = kernel.reduce(1, *)
        var y = [Float](repeating: 0, count: n * m * outSize)
        let rows = mg * kSize
        var col = [Float](repeating: 0, count: rows * inSize)
        // Per axis: output coordinate of (kernel tap, input position), or -1 when cropped.
        var table: [[Int]] = []
        for a in 0..<r {
            var t = [Int](repeating: -1, count: kernel[a] * inSp[a])
            for k in 0..<kernel[a] {
                for i in 0..<inSp[a] {
                    let o = i * s.strides[a] - s.padBegin[a] + k * s.dilations[a]
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
        if let bv {
            for b in 0..<n { for oc in 0..<m { for i in 0..<outSize { y[(b * m + oc) * outSize + i] += bv[oc] } } }
        }
        return y
    }
}
