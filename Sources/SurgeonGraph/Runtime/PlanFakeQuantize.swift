import SurgeonTensor

/// QuantizeLinear followed by DequantizeLinear on an activation (QDQ-format models put the
/// pair after every quantized tensor) computed as one float32 → float32 pass: the integer
/// tensor in between is never made. Per element, exactly the operations of the two kernels'
/// float32 paths: `q = x / s₁`, rounded half to even, plus z₁, saturated to the integer type
/// (NaN gives 0), then `Float(q - z₂) * s₂`, so results are bit-identical to running both.
struct FakeQuantize: Sendable {
    let qScale: Float, qZero: Float
    /// The integer type's range.
    let lo: Float, hi: Float
    let dqScale: Float, dqZero: Int32
    /// Whether the pair goes through `QuantizeU8.fakeQuantize` (quantize_u8.c: the product by
    /// the reciprocal of the scale, divided only near half-integers; the same bits as
    /// `element`): uint8 between the two (its zero point a whole number in 0...255) and a
    /// vector kernel on this CPU. Decided once, not at every tile of an epilogue.
    /// `SURGEON_QUANT_KERNEL=swift` keeps the Swift loop.
    let vectorKernel: Bool

    init(qScale: Float, qZero: Float, lo: Float, hi: Float, dqScale: Float, dqZero: Int32) {
        self.qScale = qScale
        self.qZero = qZero
        self.lo = lo
        self.hi = hi
        self.dqScale = dqScale
        self.dqZero = dqZero
        vectorKernel = lo == 0 && hi == 255 && qZero >= 0 && qZero <= 255 && qZero.rounded(.towardZero) == qZero
            && QuantizeU8.level > 0
    }

    /// One element: the two kernels' float32 operations. As QuantizeLinear's fast loop,
    /// adding 1.5 * 2^23 rounds to an integer (ties to even) that then sits in the low
    /// mantissa bits.
    @inline(__always)
    func element(_ x: Float) -> Float {
        dequantized(quantized(x))
    }

    /// QuantizeLinear's result for one element (within `lo...hi`, NaN gives 0).
    @inline(__always)
    func quantized(_ x: Float) -> Int32 {
        let magic: Float = 12_582_912
        let magicBits = Int32(bitPattern: magic.bitPattern)
        let q = x / qScale
        var t = (q + magic) + qZero
        t = t < lo + magic ? lo + magic : t
        t = t > hi + magic ? hi + magic : t
        let v = Int32(bitPattern: t.bitPattern) &- magicBits
        return q == q ? v : 0
    }

    /// DequantizeLinear's result for one quantized element (its narrow-type float32 path).
    @inline(__always)
    func dequantized(_ v: Int32) -> Float {
        Float(v &- dqZero) * dqScale
    }

    /// The integer type between the two: int8 or uint8.
    var integerType: DType { lo < 0 ? .int8 : .uint8 }

    /// Both results of the pair from x (float32) in one pass, for runs that keep the integer
    /// tensor too (`inspect all`): QuantizeLinear's int8/uint8 tensor and DequantizeLinear's
    /// float32 tensor, each element computed as the two kernels compute it.
    func runBoth(_ x: Tensor) throws -> (quantized: Tensor, dequantized: Tensor) {
        let p = try elementPointer(x, Float.self)
        // One allocation: the float32 result, then the integers at a 64-byte boundary.
        let n = try Tensor.checkedCount(x.shape, dtype: .float32)
        let floatBytes = (n * 4 + 63) & ~63
        let buf = TensorBuffer(uninitializedByteCount: try Tensor.checkedCount([floatBytes + n], dtype: .uint8))
        withExtendedLifetime(x) { both(p, buf.pointer + floatBytes, buf.pointer.assumingMemoryBound(to: Float.self), n) }
        return (Tensor(dtype: integerType, shape: x.shape, buffer: buf, byteOffset: floatBytes),
                Tensor(dtype: .float32, shape: x.shape, buffer: buf))
    }

    /// `runBoth` on `n` elements: `q` points to int8 elements when `lo < 0`, else uint8.
    /// uint8 with the vector kernel: `QuantizeU8.fakeQuantize(_:bytes:...)` (the same bits).
    func both(_ src: UnsafePointer<Float>, _ q: UnsafeMutableRawPointer, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        if lo < 0 {
            both(src, q.assumingMemoryBound(to: Int8.self), d, n)
        } else if vectorKernel {
            let bytes = q.assumingMemoryBound(to: UInt8.self)
            parallelChunks(n) { r in
                let i = r.lowerBound
                if QuantizeU8.fakeQuantize(src + i, bytes: bytes + i, d + i, r.count, scale: qScale, zeroPoint: qZero,
                                           dqScale: dqScale, dqZero: dqZero) { return }
                bothLoop(src + i, bytes + i, d + i, r.count)
            }
        } else {
            both(src, q.assumingMemoryBound(to: UInt8.self), d, n)
        }
    }

    /// `q[i] = quantized(src[i])`, `d[i] = dequantized(q[i])` for `i < n`.
    @inline(__always)
    private func both<R: FixedWidthInteger>(_ src: UnsafePointer<Float>, _ q: UnsafeMutablePointer<R>,
                                            _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelChunks(n) { r in
            let i = r.lowerBound
            bothLoop(src + i, q + i, d + i, r.count)
        }
    }

    /// `both` on the calling thread (the Swift loop).
    @inline(__always)
    private func bothLoop<R: FixedWidthInteger>(_ src: UnsafePointer<Float>, _ q: UnsafeMutablePointer<R>,
                                                _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let v = quantized(src[i])
            q[i] = R(truncatingIfNeeded: v)
            d[i] = dequantized(v)
        }
    }

    /// `dst[i] = dq(q(src[i]))` for `i < n`; `dst` must not overlap `src` (see `applyInPlace`).
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelChunks(n) { r in
            if vectorKernel, QuantizeU8.fakeQuantize(src + r.lowerBound, dst + r.lowerBound, r.count, scale: qScale, zeroPoint: qZero,
                                                dqScale: dqScale, dqZero: dqZero) { return }
            for i in r { dst[i] = element(src[i]) }
        }
    }

    /// `p[i] = dq(q(p[i]))` for `i < n`. A loop of its own: through `apply(p, p, n)` the
    /// vectorised loop's overlap check fails and the scalar one runs, several times slower.
    func applyInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        parallelChunks(n) { r in applyOnThisThread(p + r.lowerBound, r.count) }
    }

    /// `applyInPlace` on the calling thread (a chunk of it, a kernel's per-tile epilogue).
    @inline(__always)
    func applyOnThisThread(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if vectorKernel, QuantizeU8.fakeQuantize(p, p, n, scale: qScale, zeroPoint: qZero, dqScale: dqScale, dqZero: dqZero) {
            return
        }
        for i in 0..<n { p[i] = element(p[i]) }
    }

    /// The result in a new tensor (x float32).
    func run(_ x: Tensor) throws -> Tensor {
        let p = try elementPointer(x, Float.self)
        let (buf, dst, n) = try newOutput(x.shape, Float.self)
        withExtendedLifetime(x) { apply(p, dst, n) }
        return Tensor(dtype: .float32, shape: x.shape, buffer: buf)
    }
}

extension PlanFusion {
    /// Rewrites each QuantizeLinear step whose integer output only a DequantizeLinear reads
    /// (and no one keeps) into one fake-quantize step producing the DequantizeLinear's output;
    /// the DequantizeLinear step index goes into `removed`. Scales must be constant float32
    /// scalars, zero points constant 8-bit scalars (or absent). At run time an input other
    /// than float32 runs the two original kernels. Returns, per rewrite, the integer slot that
    /// no longer exists, and the step that now produces the DequantizeLinear's output.
    static func fuseQuantizePairs(_ plan: ExecutionPlan, constant: [Int: Value], fusible: (Int) -> Bool,
                                  readerStep: [Int], removed: inout Set<Int>) -> [(gone: Int, output: Int, step: Int)] {
        var rewrites: [(gone: Int, output: Int, step: Int)] = []
        // Steps an earlier rewrite removed (a DequantizeLinear a quantized Conv no longer reads)
        // are neither paired nor rewritten.
        for k in plan.steps.indices where !removed.contains(k) {
            let q = plan.steps[k]
            guard q.node.opType == "QuantizeLinear", q.node.domain.isEmpty, let qKernel = q.kernel, !q.folded,
                  q.outputs.count == 1, let y = q.outputs.first, fusible(y), readerStep[y] > k,
                  q.inputs.count >= 2, q.inputs[0] >= 0 else { continue }
            let c = readerStep[y]
            let dq = plan.steps[c]
            guard !removed.contains(c), dq.node.opType == "DequantizeLinear", dq.node.domain.isEmpty, let dqKernel = dq.kernel,
                  dq.inputs.first == y, dq.inputs.count >= 2, dq.outputs.count == 1, dq.outputs[0] >= 0,
                  let fq = fakeQuantize(q: q, dq: dq, constant: constant) else { continue }
            let unfused = UnfusedQuantizePair(q: q, qKernel: qKernel, dq: dq, dqKernel: dqKernel, constant: constant)
            let kernel: Kernel = { ctx in
                let x = try ctx.tensor(0)
                if x.dtype == .float32 { return [.tensor(try fq.run(x))] }
                return [try unfused.run(x).dequantized]
            }
            var node = q.node
            node.inputs = [q.node.inputs[0]]
            node.outputs = dq.node.outputs
            var step = ExecutionPlan.Step(nodeIndex: q.nodeIndex, node: node, kernel: kernel, function: nil, opset: q.opset,
                                          inputs: [q.inputs[0]], outputs: dq.outputs, hasSubgraphs: false)
            step.fakeQuantize = fq
            plan.steps[k] = step
            removed.insert(c)
            rewrites.append((y, dq.outputs[0], k))
        }
        return rewrites
    }

    /// Rewrites each QuantizeLinear step whose integer output y is read by a DequantizeLinear
    /// alone but kept (an inspected value or a graph output, so `fuseQuantizePairs` leaves it)
    /// into one step producing both y and the DequantizeLinear's output in one pass
    /// (`FakeQuantize.runBoth`; `inspect all` of a QDQ model ran twice as many steps as a
    /// plain run). Same parameter conditions as `fuseQuantizePairs`; an input other than
    /// float32 runs the two kernels. Returns, per rewrite, the step and the
    /// DequantizeLinear's output slot.
    static func fuseKeptQuantizePairs(_ plan: ExecutionPlan, constant: [Int: Value], readers: [Int], readerStep: [Int],
                                      removed: inout Set<Int>) -> [(output: Int, step: Int)] {
        var rewrites: [(output: Int, step: Int)] = []
        for k in plan.steps.indices where !removed.contains(k) {
            let q = plan.steps[k]
            guard q.node.opType == "QuantizeLinear", q.node.domain.isEmpty, let qKernel = q.kernel, !q.folded,
                  q.fakeQuantize == nil, q.epilogues.isEmpty, q.outputs.count == 1, let y = q.outputs.first, y >= 0,
                  readers[y] == 1, constant[y] == nil, readerStep[y] > k,
                  q.inputs.count >= 2, q.inputs[0] >= 0 else { continue }
            let c = readerStep[y]
            let dq = plan.steps[c]
            guard !removed.contains(c), dq.node.opType == "DequantizeLinear", dq.node.domain.isEmpty, let dqKernel = dq.kernel,
                  !dq.folded, dq.epilogues.isEmpty, dq.inputs.first == y, dq.inputs.count >= 2,
                  dq.outputs.count == 1, dq.outputs[0] >= 0,
                  let fq = fakeQuantize(q: q, dq: dq, constant: constant) else { continue }
            let unfused = UnfusedQuantizePair(q: q, qKernel: qKernel, dq: dq, dqKernel: dqKernel, constant: constant)
            let kernel: Kernel = { ctx in
                let x = try ctx.tensor(0)
                if x.dtype == .float32 {
                    let (i, f) = try fq.runBoth(x)
                    return [.tensor(i), .tensor(f)]
                }
                let (yv, dv) = try unfused.run(x)
                return [yv, dv]
            }
            var node = q.node
            node.inputs = [q.node.inputs[0]]
            node.outputs = q.node.outputs + dq.node.outputs
            var step = ExecutionPlan.Step(nodeIndex: q.nodeIndex, node: node, kernel: kernel, function: nil, opset: q.opset,
                                          inputs: [q.inputs[0]], outputs: [y, dq.outputs[0]], hasSubgraphs: false)
            step.chainOutput = 1
            step.keptQuantizePair = fq
            plan.steps[k] = step
            removed.insert(c)
            rewrites.append((dq.outputs[0], k))
        }
        return rewrites
    }

    /// The pair's parameters, or nil when the pair is not a per-tensor 8-bit one with
    /// constant parameters and float32 output.
    static func fakeQuantize(q: ExecutionPlan.Step, dq: ExecutionPlan.Step, constant: [Int: Value]) -> FakeQuantize? {
        func tensor(_ step: ExecutionPlan.Step, _ i: Int) -> Tensor?? {
            guard i < step.inputs.count, step.inputs[i] >= 0 else { return .some(nil) }
            guard case .tensor(let t)? = constant[step.inputs[i]], t.count == 1 else { return .none }
            return .some(t)
        }
        guard q.inputs.count <= 3, dq.inputs.count <= 3, blockFree(q.node), blockFree(dq.node),
              case .some(let qs?) = tensor(q, 1), case .some(let qz) = tensor(q, 2),
              case .some(let ds?) = tensor(dq, 1), case .some(let dz) = tensor(dq, 2),
              qs.dtype == .float32, ds.dtype == .float32 else { return nil }
        // The integer type: the zero point's, else output_dtype, else uint8 (as the kernel).
        var type = DType.uint8
        switch q.node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?:
            guard let t = DType(rawValue: Int(v)) else { return nil }
            type = t
        default: return nil
        }
        if let qz {
            if q.node.attribute("output_dtype") != nil && qz.dtype != type { return nil }
            type = qz.dtype
        }
        guard type == .uint8 || type == .int8 else { return nil }
        if let dz, dz.dtype != type { return nil }
        switch dq.node.attribute("output_dtype") {
        case nil: break
        case .int(let v)?: guard DType(rawValue: Int(v)) == .float32 else { return nil }
        default: return nil
        }
        guard let s1 = try? qs.scalars(of: Float.self).first, let s2 = try? ds.scalars(of: Float.self).first else { return nil }
        let z1 = qz?.int64Array().first ?? 0, z2 = dz?.int64Array().first ?? 0
        let (lo, hi): (Float, Float) = type == .uint8 ? (0, 255) : (-128, 127)
        return FakeQuantize(qScale: s1, qZero: Float(z1), lo: lo, hi: hi, dqScale: s2, dqZero: Int32(z2))
    }
}

/// A QuantizeLinear → DequantizeLinear pair run as its two kernels, as unfused: the fused
/// steps' path for inputs other than float32.
struct UnfusedQuantizePair {
    let qKernel: Kernel, dqKernel: Kernel
    let qBox: NodeBox, dqBox: NodeBox
    let qInputs: [Value?], dqInputs: [Value?]
    let qOpset: Int, dqOpset: Int

    init(q: ExecutionPlan.Step, qKernel: @escaping Kernel, dq: ExecutionPlan.Step, dqKernel: @escaping Kernel,
         constant: [Int: Value]) {
        (self.qKernel, self.dqKernel) = (qKernel, dqKernel)
        (qBox, dqBox, qOpset, dqOpset) = (q.nodeBox, dq.nodeBox, q.opset, dq.opset)
        qInputs = q.inputs.map { $0 < 0 ? nil : constant[$0] }
        dqInputs = dq.inputs.map { $0 < 0 ? nil : constant[$0] }
    }

    /// The QuantizeLinear output for `x` and the DequantizeLinear output of that.
    func run(_ x: Tensor) throws -> (quantized: Value, dequantized: Value) {
        var qi = qInputs
        qi[0] = .tensor(x)
        let qOut = try qKernel(OpContext(nodeBox: qBox, inputs: qi, opset: qOpset, subgraphRunner: noSubgraphs))
        guard let yv = qOut.first else { throw GraphError("QuantizeLinear produced no output") }
        var di = dqInputs
        di[0] = yv
        let dOut = try dqKernel(OpContext(nodeBox: dqBox, inputs: di, opset: dqOpset, subgraphRunner: noSubgraphs))
        guard let dv = dOut.first else { throw GraphError("DequantizeLinear produced no output") }
        return (yv, dv)
    }
}
