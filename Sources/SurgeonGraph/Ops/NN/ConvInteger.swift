import SurgeonTensor

/// ConvInteger (opset 10): convolution of `x - x_zero_point` and `w - w_zero_point` (scalar or
/// per output channel), output int32. 8-bit operands run through float32 `sgemm` in exact
/// slices (`fast`); other integer types accumulate exactly in float64 (im2col + dgemm).
enum ConvInteger {
    static func register(_ r: inout OpRegistry) {
        r.register("ConvInteger", since: 10) { ctx in
            let x = try ctx.tensor(0), w = try ctx.tensor(1)
            guard x.dtype.isInteger, w.dtype.isInteger else { throw ctx.error("x and w must be integer tensors") }
            let xZp = try ctx.optionalTensor(2), wZp = try ctx.optionalTensor(3)
            if let y = try fast(ctx: ctx, x: x, w: w, xZp: xZp, wZp: wZp) { return [.tensor(y)] }
            let y = try integerConv(ctx: ctx, x: x, w: w, xZp: xZp, wZp: wZp)
            return [.tensor(try Tensor(doubles: y.values, shape: y.shape, dtype: .int32))]
        }
    }

    /// The shifted convolution as doubles and its output shape (through `fast` when it applies).
    static func integerConv(ctx: OpContext, x: Tensor, w: Tensor, xZp: Tensor?, wZp: Tensor?) throws -> (values: [Double], shape: [Int]) {
        if let y = try fast(ctx: ctx, x: x, w: w, xZp: xZp, wZp: wZp) {
            return (try y.scalars(of: Int32.self).map { Double($0) }, y.shape)
        }
        return try plain(ctx: ctx, x: x, w: w, xZp: xZp, wZp: wZp)
    }

    /// Any integer types, in float64 (exact for sums below 2^53).
    static func plain(ctx: OpContext, x: Tensor, w: Tensor, xZp: Tensor?, wZp: Tensor?) throws -> (values: [Double], shape: [Int]) {
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        var xv = x.doubleArray(), wv = w.doubleArray()
        if let xZp {
            guard xZp.count == 1 else { throw ctx.error("x_zero_point must be a scalar") }
            let z = xZp.doubleArray()[0]
            for i in 0..<xv.count { xv[i] -= z }
        }
        if let wZp {
            let z = wZp.doubleArray()
            let m = w.shape[0], per = w.count / max(m, 1)
            guard z.count == 1 || z.count == m else { throw ctx.error("w_zero_point must be a scalar or have \(m) values") }
            for i in 0..<wv.count { wv[i] -= z.count == 1 ? z[0] : z[i / per] }
        }
        let y = try Conv.convFast(x: xv, xShape: x.shape, w: wv, wShape: w.shape, bias: nil, geom: geom, group: group)
        return (y, [x.shape[0], w.shape[0]] + geom.output)
    }

    /// Products per output summed in one float32 pass: |sum| <= 256 * 255 * 255 < 2^24, so
    /// every partial sum is an exactly representable integer whatever the order.
    static let exactSlice = 256

    /// 8-bit x and w with a scalar x zero point and a scalar or per-output-channel w zero
    /// point: the shifted operands as float32 through `Conv.convCore` (sgemm), over slices of
    /// input channels of at most `exactSlice` products per output, each exact, added up in
    /// Int32 (wrapping, as int32 accumulation does). nil when the general path must run.
    /// `float32`: the result as Cast(to: FLOAT) of the int32 one gives it, bit for bit, in the
    /// same buffer (the plan's ConvInteger → Cast fusion, PlanConvIntegerCast.swift).
    /// `convCore` overwrites its float32 output on every path, so no output is zeroed first.
    static func fast(ctx: OpContext, x: Tensor, w: Tensor, xZp: Tensor?, wZp: Tensor?, float32: Bool = false) throws -> Tensor? {
        guard x.dtype == .uint8 || x.dtype == .int8, w.dtype == .uint8 || w.dtype == .int8 else { return nil }
        if let xZp, xZp.count != 1 || xZp.dtype != x.dtype { return nil }
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        let n = x.shape[0], c = x.shape[1], m = w.shape[0]
        if let wZp, (wZp.count != 1 && wZp.count != m) || wZp.dtype != w.dtype { return nil }
        let inSp = Array(x.shape[2...]), kSp = Array(w.shape[2...])
        let inSize = inSp.reduce(1, *), kSize = kSp.reduce(1, *), outSize = geom.output.reduce(1, *)
        guard kSize <= exactSlice else { return nil }
        let cg = c / group, mg = m / group
        let outShape = [n, m] + geom.output
        let outType: DType = float32 ? .float32 : .int32
        let (buf, dst, count) = try newOutput(outShape, Int32.self)
        if count == 0 { return Tensor(dtype: outType, shape: outShape, buffer: buf) }

        let xz = xZp.map { Float($0.int64Array()[0]) } ?? 0
        let wz: [Float] = wZp.map { $0.int64Array().map { Float($0) } } ?? [0]
        let wf = try shiftedFloats(w, zeroPoints: wz, run: max(w.count / max(m, 1), 1))
        let perSlice = max(1, exactSlice / max(kSize, 1))
        if cg <= perSlice && group > 1 {
            // Grouped (depthwise): groups in chunks, so the float copy of the input is a
            // chunk's channels (about 1 MB), not the whole activation; sums in the output's
            // bytes as below. Each group's sums are exact integers, so chunking changes no bit.
            let yb = buf.pointer.bindMemory(to: Float.self, capacity: count)
            let chunk = max(1, min(group, (1 << 18) / max(cg * inSize, 1)))
            let xc = ScratchMemory.allocate(Float.self, count: chunk * cg * inSize)
            defer { ScratchMemory.release(xc, count: chunk * cg * inSize) }
            try wf.withPointer { wb in
                for b in 0..<n {
                    var g0 = 0
                    while g0 < group {
                        let gc = min(chunk, group - g0)
                        try shiftedFloats(x, from: (b * c + g0 * cg) * inSize, count: gc * cg * inSize, zeroPoint: xz, into: xc)
                        try Conv.convCore(x: xc, xShape: [1, gc * cg] + inSp, w: wb + g0 * mg * cg * kSize,
                                          wShape: [gc * mg, cg] + kSp, bias: nil, geom: geom, group: gc,
                                          y: yb + (b * m + g0 * mg) * outSize)
                        g0 += gc
                    }
                }
            }
            return Tensor(dtype: outType, shape: outShape, buffer: finishWhole(buf, count, float32: float32))
        }
        let xf = try shiftedFloats(x, zeroPoints: [xz], run: max(x.count, 1))
        if cg <= perSlice {
            // One slice: the whole convolution at once, into the output's own bytes (a float32
            // and an int32 have the same size), then converted there: no second output-sized
            // buffer at the model's largest layers.
            let yb = buf.pointer.bindMemory(to: Float.self, capacity: count)
            try xf.withPointer { xb in
                try wf.withPointer { wb in
                    try Conv.convCore(x: xb, xShape: x.shape, w: wb, wShape: w.shape, bias: nil, geom: geom,
                                      group: group, y: yb)
                }
            }
            return Tensor(dtype: outType, shape: outShape, buffer: finishWhole(buf, count, float32: float32))
        }
        // Slices of `perSlice` input channels of one group, each a convolution of its own.
        dst.update(repeating: 0, count: count)
        let ySlice = ScratchMemory.allocate(Float.self, count: mg * outSize)
        defer { ScratchMemory.release(ySlice, count: mg * outSize) }
        let wSlice = ScratchMemory.allocate(Float.self, count: mg * perSlice * kSize)
        defer { ScratchMemory.release(wSlice, count: mg * perSlice * kSize) }
        try xf.withPointer { xb in
            try wf.withPointer { wb in
                for gi in 0..<group {
                    var c0 = 0
                    while c0 < cg {
                        let cs = min(perSlice, cg - c0)
                        for o in 0..<mg {
                            (wSlice + o * cs * kSize).update(from: wb + ((gi * mg + o) * cg + c0) * kSize, count: cs * kSize)
                        }
                        for b in 0..<n {
                            try Conv.convCore(x: xb + (b * c + gi * cg + c0) * inSize, xShape: [1, cs] + inSp,
                                              w: wSlice, wShape: [mg, cs] + kSp, bias: nil, geom: geom, group: 1, y: ySlice)
                            wholeFloatsToInt32(ySlice, dst + (b * m + gi * mg) * outSize, mg * outSize, accumulate: true)
                        }
                        c0 += cs
                    }
                }
            }
        }
        if float32 { int32ToFloatInPlace(buf.pointer, count) }
        return Tensor(dtype: outType, shape: outShape, buffer: buf)
    }

    /// `count` whole floats (|v| < 2^24) in `buf`: converted in place to int32, or with
    /// `float32` left as floats the way Cast(int32 → float) would give them back (the same
    /// values, but −0 as +0).
    /// Split among the kernel threads (each value on its own; the sequential parts of a
    /// quantized model's run left the second thread spinning).
    static func finishWhole(_ buf: TensorBuffer, _ count: Int, float32: Bool) -> TensorBuffer {
        if float32 {
            let p = buf.pointer.assumingMemoryBound(to: Float.self)
            // x + 0 is x for every float but −0, which becomes +0.
            parallelChunks(count) { r in for i in r { p[i] = p[i] + 0 } }
        } else {
            let p = buf.pointer
            parallelChunks(count) { r in wholeFloatsToInt32InPlace(p + r.lowerBound * 4, r.count) }
            _ = buf.pointer.bindMemory(to: Int32.self, capacity: count)
        }
        return buf
    }

    /// `n` int32 values at `p` replaced by their float32 values (as Cast rounds them).
    static func int32ToFloatInPlace(_ p: UnsafeMutableRawPointer, _ n: Int) {
        for i in 0..<n {
            p.storeBytes(of: Float(p.load(fromByteOffset: i &* 4, as: Int32.self)), toByteOffset: i &* 4, as: Float.self)
        }
    }

    /// Elements `from ..< from + count` of an 8-bit tensor minus `zeroPoint`, as floats into `out`
    /// (in chunks among the kernel threads).
    static func shiftedFloats(_ t: Tensor, from: Int, count: Int, zeroPoint z: Float, into out: UnsafeMutablePointer<Float>) throws {
        guard from >= 0, count >= 0, from + count <= t.count else { throw TensorError("ConvInteger: slice outside the input") }
        func fill<S: TensorScalar & BinaryInteger>(_ type: S.Type) throws {
            let p = try elementPointer(t, S.self) + from
            withExtendedLifetime(t) {
                parallelChunks(count) { r in for i in r { out[i] = Float(Int32(p[i])) - z } }
            }
        }
        if t.dtype == .uint8 { try fill(UInt8.self) } else { try fill(Int8.self) }
    }

    /// The elements of an 8-bit tensor minus a zero point per run of `run` elements (one
    /// zero point for all, or one per output channel of a weight), as floats (in
    /// `ScratchMemory`: beside the tensors, not on the heap), in chunks among the kernel threads.
    static func shiftedFloats(_ t: Tensor, zeroPoints z: [Float], run: Int) throws -> ScratchBuffer<Float> {
        let out = ScratchBuffer<Float>(count: t.count)
        try out.withPointer { o in
            let n = t.count
            func fill<S: TensorScalar & BinaryInteger>(_ type: S.Type) throws {
                let p = try elementPointer(t, S.self)
                withExtendedLifetime(t) {
                    // Element i's zero point: z[i / run] (one run of all n with one zero point);
                    // zeros past the runs (never reached: they cover the tensor).
                    let span = z.count == 1 ? max(n, 1) : max(run, 1)
                    z.withUnsafeBufferPointer { zp in
                        parallelChunks(n) { r in
                            var i = r.lowerBound
                            while i < r.upperBound {
                                let zi = i / span, end = min(r.upperBound, (zi + 1) * span)
                                if zi < zp.count {
                                    let z0 = zp[zi]
                                    for j in i..<end { o[j] = Float(Int32(p[j])) - z0 }
                                } else {
                                    for j in i..<end { o[j] = 0 }
                                }
                                i = end
                            }
                        }
                    }
                }
            }
            if t.dtype == .uint8 { try fill(UInt8.self) } else { try fill(Int8.self) }
        }
        return out
    }
}
