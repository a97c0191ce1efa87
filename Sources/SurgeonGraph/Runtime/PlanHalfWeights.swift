import SurgeonTensor

extension PlanFusion {
    /// Ops whose float16 / bfloat16 kernel casts its inputs to float32, runs the float32
    /// kernel and casts the result back (MatMul.swift, Gemm.swift, Conv.swift).
    static let upcastingOps: Set<String> = ["MatMul", "Gemm", "Conv"]

    /// For each step of `upcastingOps` reading float16 / bfloat16 constants (weights, biases):
    /// the constants (but a Conv's large weights, see `Conv.keepsHalfWeights`) are converted
    /// to float32 once per weight buffer (`Tensor.float32Copy`, the
    /// copy Conv's half path and every other plan share), and the step's kernel is wrapped to
    /// do what the half kernel does with the rest: the other inputs of that type cast to
    /// float32, the float32 kernel, the outputs cast back. Same numbers as the half kernel,
    /// without converting every weight at every run. When, at run time, a non-constant float
    /// input has another type, the original kernel runs on the original constants (and
    /// reports what it reports).
    static func upcastHalfConstants(_ plan: ExecutionPlan, constant: [Int: Value]) {
        var converted: [Int: Int] = [:]
        for k in plan.steps.indices {
            let st = plan.steps[k]
            guard upcastingOps.contains(st.node.opType), st.node.domain.isEmpty, let kernel = st.kernel,
                  !st.folded, !st.hasSubgraphs, st.outputs.count == 1 else { continue }
            var halfType: DType?
            var consistent = true
            for s in st.inputs where s >= 0 {
                guard case .tensor(let t)? = constant[s], t.dtype == .float16 || t.dtype == .bfloat16 else { continue }
                if let h = halfType, h != t.dtype { consistent = false }
                halfType = t.dtype
            }
            guard consistent, let half = halfType else { continue }
            var inputs = st.inputs
            var isConstant = [Bool](repeating: false, count: inputs.count)
            // A Conv's large weights stay half: the convolution widens them a block at a time
            // (ConvHalfWeights.swift) when its input is not constant.
            var keepHalfWeights = false
            for (i, s) in st.inputs.enumerated() where s >= 0 {
                guard case .tensor(let t)? = constant[s] else { continue }
                isConstant[i] = true
                guard t.dtype == half else { continue }
                if st.node.opType == "Conv", i == 1, st.inputs[0] >= 0, constant[st.inputs[0]] == nil,
                   Conv.keepsHalfWeights(t) {
                    keepHalfWeights = true
                    continue
                }
                if let f = converted[s] {
                    inputs[i] = f
                } else if let f32 = try? t.float32Copy() {
                    // The plan reads the float32 copy from now on: the half weights' pages of a
                    // mapped model file leave the resident set (read from the file again if
                    // something reads them), so memory holds one copy of the weights, not 1.5.
                    t.buffer.releaseMappedPages(byteOffset: t.byteOffset, byteCount: t.byteCount)
                    let slot = plan.slotCount
                    plan.slotCount += 1
                    plan.constants.append((slot, .tensor(f32)))
                    converted[s] = slot
                    inputs[i] = slot
                }
            }
            let originals: [Value?] = st.inputs.map { $0 >= 0 ? constant[$0] : nil }
            let isConstantInput = isConstant, halfConv = keepHalfWeights
            let wrapped: Kernel = { ctx in
                let outs: [Value]
                do {
                    // In a scope of its own, so the float32 inputs are gone before the outputs
                    // are narrowed (a float16 model's peak memory is often there).
                    var ins = ctx.inputs
                    var asHalf = true
                    for i in ins.indices where !isConstantInput[i] {
                        guard case .tensor(let t)? = ins[i], t.dtype.isFloatingPoint else { continue }
                        if t.dtype == half { ins[i] = .tensor(try t.cast(to: .float32)) } else { asHalf = false }
                    }
                    guard asHalf else {
                        // As unfused: the kernel on the original inputs.
                        var orig = ctx.inputs
                        for i in orig.indices where isConstantInput[i] { orig[i] = originals[i] }
                        return try kernel(OpContext(node: ctx.node, inputs: orig, opset: ctx.opset, subgraphRunner: noSubgraphs))
                    }
                    let inner = OpContext(node: ctx.node, inputs: ins, opset: ctx.opset, subgraphRunner: noSubgraphs)
                    if halfConv {
                        outs = [.tensor(try Conv.conv(ctx: inner, x: inner.tensor(0), w: inner.tensor(1),
                                                      bias: inner.optionalTensor(2), halfWeights: true))]
                    } else {
                        outs = try kernel(inner)
                    }
                }
                return try outs.map { v in
                    guard case .tensor(let t) = v, t.dtype == .float32 else { return v }
                    return .tensor(try t.cast(to: half))
                }
            }
            plan.steps[k].inputs = inputs
            plan.steps[k].kernel = wrapped
        }
    }
}
