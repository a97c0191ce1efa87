import SurgeonTensor

/// A 2-D Conv of a QDQ-format model run on the integers: its input is DequantizeLinear(xq)
/// of an 8-bit activation and its weights DequantizeLinear(wq) of a constant int8 tensor
/// (zero points 0, one scale or one per output channel). Mathematically
/// `conv(sx·(xq − zx), sw·wq) + b = sx·sw[m]·(Σ wq·xq − zx·Σ wq) + b[m]`: the sums are exact
/// int32 products (`QGemm`, AVX-512 VNNI), so the result differs from the float32 convolution
/// of the dequantized values only by that convolution's own rounding (relative ~1e-6), as
/// onnxruntime's QLinearConv does for these models.
struct QuantizedConv: @unchecked Sendable {
    /// The weights as an int8 matrix [M, C·kh·kw] (group 1).
    let weights: QGemm.PackedMatrix
    let weightShape: [Int]
    /// sx · sw[m] per output channel.
    let scale: [Float]
    let bias: [Float]?
    /// Activation zero point and integer type.
    let zeroPoint: Int32
    let signed: Bool

    /// The float32 output, or nil when `xq` is not what the plan expected (the caller then
    /// runs the original kernels).
    func run(ctx: OpContext, xq: Tensor) throws -> Tensor? {
        guard xq.dtype == (signed ? .int8 : .uint8), xq.rank == 4, xq.shape[1] == weightShape[1] else { return nil }
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: xq.shape, wShape: weightShape)
        guard group == 1, geom.rank == 2 else { return nil }
        let n = xq.shape[0], c = xq.shape[1], h = xq.shape[2], w = xq.shape[3]
        let m = weightShape[0], kh = weightShape[2], kw = weightShape[3]
        let oh = geom.output[0], ow = geom.output[1]
        let cols = oh * ow, depth = c * kh * kw
        let outShape = [n, m, oh, ow]
        let (buf, y, count) = try newOutput(outShape, Float.self)
        if count == 0 { return Tensor(dtype: .float32, shape: outShape, buffer: buf) }
        // The uint8 value of the padding (the zero point: it dequantizes to 0) and of int8 inputs
        // (shifted by 128, the zero point with them).
        let flip: UInt8 = signed ? 0x80 : 0
        let z = signed ? zeroPoint + 128 : zeroPoint
        guard z >= 0, z <= 255 else { return nil }
        let pad = UInt8(z)
        let colBytes = try Tensor.checkedCount([depth, cols], dtype: .uint8)
        let colBuf = UnsafeMutablePointer<UInt8>.allocate(capacity: max(colBytes, 1))
        defer { colBuf.deallocate() }
        let src = try elementPointer(xq, UInt8.self, allowingSigned: true)
        try withExtendedLifetime(xq) {
            for b in 0..<n {
                let image = src + b * c * h * w
                im2col(image: image, channels: c, h: h, w: w, kh: kh, kw: kw, geom: geom, pad: pad, flip: flip,
                       cols: cols, dst: colBuf)
                // Products as int32 into the output's own memory, then turned into floats in place.
                let out = y + b * m * cols
                let acc = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Int32.self)
                QGemm.multiply(weights, b: colBuf, ldb: cols, n: cols, c: acc, ldc: cols)
                dequantize(acc, into: out, rows: m, cols: cols, zeroPoint: z)
            }
        }
        return Tensor(dtype: .float32, shape: outShape, buffer: buf)
    }
}

extension QuantizedConv {
    /// The uint8 im2col matrix of one image: row r = (channel, tap row, tap column), one column
    /// per output position; taps outside the image read `pad`; int8 values are shifted by 128
    /// (`flip`). Rows are short on small maps (7-56 bytes), but the copies stay
    /// memcpy/memset calls all the same (measured faster than byte loops).
    @inline(never)
    func im2col(image: UnsafePointer<UInt8>, channels c: Int, h: Int, w: Int, kh: Int, kw: Int, geom: SpatialGeometry,
                pad: UInt8, flip: UInt8, cols: Int, dst colBuf: UnsafeMutablePointer<UInt8>) {
        let sh = geom.strides[0], sw = geom.strides[1], dh = geom.dilations[0], dw = geom.dilations[1]
        let ph = geom.padBegin[0], pw = geom.padBegin[1]
        let oh = geom.output[0], ow = geom.output[1]
        parallelItems(c &* kh &* kw, costPerItem: cols) { r in
            let ch = r / (kh &* kw), a = (r / kw) % kh, t = r % kw
            let plane = image + ch &* h &* w
            let row = colBuf + r &* cols
            let xOff = t &* dw &- pw
            // Output columns whose input column ox·sw + xOff is inside [0, w).
            let lo = xOff >= 0 ? 0 : min(ow, (-xOff + sw - 1) / sw)
            let hi = max(lo, w - 1 - xOff < 0 ? 0 : min(ow, (w - 1 - xOff) / sw + 1))
            for oy in 0..<oh {
                let dst = row + oy &* ow
                let iy = oy &* sh &- ph &+ a &* dh
                if iy < 0 || iy >= h {
                    dst.update(repeating: pad, count: ow)
                    continue
                }
                if lo > 0 { dst.update(repeating: pad, count: lo) }
                let line = plane + (iy &* w &+ xOff)
                if sw == 1 && flip == 0 {
                    (dst + lo).update(from: line + lo, count: hi &- lo)
                } else {
                    var p = lo &* sw
                    for j in lo..<hi { dst[j] = line[p] ^ flip; p &+= sw }
                }
                if hi < ow { (dst + hi).update(repeating: pad, count: ow &- hi) }
            }
        }
    }

    /// `out[oc][j] = Float(acc[oc][j] − z·Σw[oc]) · scale[oc] + bias[oc]`, in place (`acc` is
    /// `out`'s memory read as int32: each element is read before it is written).
    @inline(never)
    func dequantize(_ acc: UnsafeMutablePointer<Int32>, into out: UnsafeMutablePointer<Float>, rows m: Int, cols: Int,
                    zeroPoint z: Int32) {
        let sums = weights.rowSums
        parallelItems(m, costPerItem: cols) { oc in
            let correction = z &* sums[oc], s = scale[oc], bo = bias?[oc] ?? 0
            let ai = acc + oc &* cols
            let yf = out + oc &* cols
            for j in 0..<cols { yf[j] = Float(ai[j] &- correction) * s + bo }
        }
    }
}

/// A uint8 view of a uint8 or int8 tensor's bytes.
private func elementPointer(_ t: Tensor, _ type: UInt8.Type, allowingSigned: Bool) throws -> UnsafePointer<UInt8> {
    guard t.dtype == .uint8 || (allowingSigned && t.dtype == .int8) else {
        throw TensorError("expected uint8, got \(t.dtype)")
    }
    return UnsafePointer(t.rawPointer.bindMemory(to: UInt8.self, capacity: max(t.count, 1)))
}

extension PlanFusion {
    /// Rewrites each 2-D, group-1 float32 Conv whose input is DequantizeLinear(xq) (8-bit,
    /// constant scalar scale and zero point) and whose weights are DequantizeLinear of a
    /// constant int8 tensor (zero points 0, per-tensor or axis-0 scales) into a step reading xq
    /// and running `QuantizedConv`. The DequantizeLinear step goes into `removed` when the conv
    /// was its only reader and its output is not kept; otherwise it stays for its other readers.
    /// Only when `QGemm.available` (the VNNI kernel; the plain one is slower than float32 sgemm).
    static func fuseQuantizedConvs(_ plan: ExecutionPlan, graph: Graph, constant: [Int: Value], fusible: (Int) -> Bool,
                                   producer: [Int], removed: inout Set<Int>
    ) -> [(dequantized: Int, quantized: Int, step: Int, dequantizeRemoved: Bool)] {
        guard QGemm.available else { return [] }
        var rewrites: [(dequantized: Int, quantized: Int, step: Int, dequantizeRemoved: Bool)] = []
        var nodeOfOutput: [String: Int]?
        for k in plan.steps.indices {
            let st = plan.steps[k]
            guard st.node.opType == "Conv", st.node.domain.isEmpty, let convKernel = st.kernel, !st.folded,
                  !st.hasSubgraphs, st.inputs.count >= 2, st.inputs.count <= 3, st.outputs.count == 1,
                  st.inputs[0] >= 0, st.inputs[1] >= 0, constant[st.inputs[0]] == nil,
                  constant[st.inputs[1]] != nil else { continue }
            let xdq = st.inputs[0]
            let d = producer[xdq]
            guard d >= 0, d < k, !removed.contains(d) else { continue }
            let dq = plan.steps[d]
            guard dq.node.opType == "DequantizeLinear", dq.node.domain.isEmpty, let dqKernel = dq.kernel,
                  dq.inputs.count >= 2, dq.inputs[0] >= 0, constant[dq.inputs[0]] == nil, dq.outputs == [xdq],
                  let (sx, zx, signed) = activationParameters(dq, constant: constant) else { continue }
            // The weights: the constant DequantizeLinear producing them, from the graph.
            if nodeOfOutput == nil {
                var map: [String: Int] = [:]
                for (i, node) in graph.nodes.enumerated() { for o in node.outputs where !o.isEmpty { map[o] = i } }
                nodeOfOutput = map
            }
            guard let wi = nodeOfOutput?[st.node.inputs[1]],
                  let wq = weightParameters(graph.nodes[wi], graph: graph) else { continue }
            var bias: [Float]?
            if st.inputs.count == 3, st.inputs[2] >= 0 {
                guard case .tensor(let b)? = constant[st.inputs[2]], b.dtype == .float32, b.count == wq.shape[0],
                      let values = try? b.scalars(of: Float.self) else { continue }
                bias = values
            }
            let m = wq.shape[0], depth = wq.shape[1] * wq.shape[2] * wq.shape[3]
            guard let packed = try? QGemm.PackedMatrix(wq.values, rows: m, depth: depth) else { continue }
            let qc = QuantizedConv(weights: packed, weightShape: wq.shape, scale: wq.scales.map { sx * $0 },
                                   bias: bias, zeroPoint: zx, signed: signed)
            let xq = dq.inputs[0]
            let dqNode = dq.node, dqOpset = dq.opset, convOpset = st.opset, convNodeBox = st.nodeBox
            let dqInputs: [Value?] = dq.inputs.map { $0 < 0 ? nil : constant[$0] }
            let kernel: Kernel = { ctx in
                let x = try ctx.tensor(0)
                if let y = try qc.run(ctx: ctx, xq: x) { return [.tensor(y)] }
                // Not the planned input type or shape: the two original kernels.
                var di = dqInputs
                di[0] = .tensor(x)
                let xf = try dqKernel(OpContext(node: dqNode, inputs: di, opset: dqOpset, subgraphRunner: noSubgraphs))
                var ci = ctx.inputs
                ci[0] = xf.first
                return try convKernel(OpContext(nodeBox: convNodeBox, inputs: ci, opset: convOpset, subgraphRunner: noSubgraphs))
            }
            var node = st.node
            node.inputs[0] = dq.node.inputs[0]
            plan.steps[k].node = node
            plan.steps[k].kernel = kernel
            plan.steps[k].inputs[0] = xq
            let gone = fusible(xdq)
            if gone { removed.insert(d) }
            rewrites.append((xdq, xq, k, gone))
        }
        return rewrites
    }

    /// No `block_size` (or 0): per-tensor or per-axis quantization.
    static func blockFree(_ n: Node) -> Bool {
        switch n.attribute("block_size") {
        case nil: return true
        case .int(let b)?: return b <= 0
        default: return false
        }
    }

    /// Scale, zero point and signedness of an activation's DequantizeLinear with constant
    /// scalar parameters and float32 output; nil otherwise.
    static func activationParameters(_ dq: ExecutionPlan.Step, constant: [Int: Value]) -> (Float, Int32, Bool)? {
        guard dq.inputs.count <= 3, blockFree(dq.node),
              case .tensor(let s)? = constant[dq.inputs[1]], s.dtype == .float32, s.count == 1,
              let scale = try? s.scalars(of: Float.self).first, scale.isFinite else { return nil }
        switch dq.node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?: guard DType(rawValue: Int(v)) == .float32 else { return nil }
        default: return nil
        }
        guard dq.inputs.count == 3, dq.inputs[2] >= 0 else { return nil }
        guard case .tensor(let z)? = constant[dq.inputs[2]], z.count == 1, z.dtype == .uint8 || z.dtype == .int8,
              let zp = z.int64Array().first else { return nil }
        return (scale, Int32(zp), z.dtype == .int8)
    }

    /// The int8 weights [M, C, kh, kw] and per-output-channel scales of a DequantizeLinear of
    /// initializers with zero points 0; nil for anything else.
    static func weightParameters(_ node: Node, graph: Graph) -> (values: [Int8], shape: [Int], scales: [Float])? {
        guard node.opType == "DequantizeLinear", node.domain.isEmpty, node.inputs.count >= 2, node.inputs.count <= 3,
              let w = graph.initializers[node.inputs[0]], w.dtype == .int8, w.rank == 4,
              let s = graph.initializers[node.inputs[1]], s.dtype == .float32,
              !graph.inputs.contains(where: { $0.name == node.inputs[0] || $0.name == node.inputs[1] }),
              blockFree(node) else { return nil }
        switch node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?: guard DType(rawValue: Int(v)) == .float32 else { return nil }
        default: return nil
        }
        let m = w.shape[0]
        guard m > 0, let scales = try? s.scalars(of: Float.self), scales.allSatisfy({ $0.isFinite }) else { return nil }
        let perChannel: [Float]
        if scales.count == 1 {
            perChannel = Array(repeating: scales[0], count: m)
        } else {
            var axis = 1
            if case .int(let a)? = node.attribute("axis") { axis = Int(a) }
            if axis < 0 { axis += 4 }
            guard axis == 0, scales.count == m, s.rank == 1 else { return nil }
            perChannel = scales
        }
        if node.inputs.count == 3, !node.inputs[2].isEmpty {
            guard let z = graph.initializers[node.inputs[2]], z.dtype == .int8,
                  z.int64Array().allSatisfy({ $0 == 0 }) else { return nil }
        }
        guard let values = try? w.scalars(of: Int8.self) else { return nil }
        return (values, w.shape, perChannel)
    }
}
