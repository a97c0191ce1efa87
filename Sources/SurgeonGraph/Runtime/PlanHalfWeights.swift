import SurgeonTensor

extension PlanFusion {
    /// Ops whose float16 / bfloat16 kernel casts its inputs to float32, runs the float32
    /// kernel and casts the result back (MatMul.swift, Gemm.swift, Conv.swift).
    static let upcastingOps: Set<String> = ["MatMul", "Gemm", "Conv"]

    /// For each step of `upcastingOps` reading float16 / bfloat16 constants (weights, biases):
    /// the step's kernel is wrapped to do what the half kernel does, without keeping anything
    /// beside the half weights: every float input of that type (the constants too) converted to
    /// float32 for this call (F16C), the float32 kernel, the outputs cast back. Same numbers as
    /// the half kernel. A float32 copy kept per plan would cost twice the weights' size in
    /// memory for the whole session (resnet18_fp16: 47 MB against 23 MB of weights); converting
    /// per call costs one pass over the weights per run (DECISIONS.md, 2026-11-27 "lean").
    /// When, at run time, a non-constant float input has another type, the original kernel
    /// runs on the original inputs (and reports what it reports).
    static func upcastHalfConstants(_ plan: ExecutionPlan, constant: [Int: Value]) {
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
            let isConstantInput = st.inputs.map { $0 >= 0 && constant[$0] != nil }
            let wrapped: Kernel = { ctx in
                var ins = ctx.inputs
                for i in ins.indices where !isConstantInput[i] {
                    guard case .tensor(let t)? = ins[i], t.dtype.isFloatingPoint, t.dtype != half else { continue }
                    // As unfused: the kernel on the original inputs.
                    return try kernel(ctx)
                }
                for i in ins.indices {
                    guard case .tensor(let t)? = ins[i], t.dtype == half else { continue }
                    ins[i] = .tensor(try t.cast(to: .float32))
                }
                let outs = try kernel(OpContext(node: ctx.node, inputs: ins, opset: ctx.opset, subgraphRunner: noSubgraphs))
                return try outs.map { v in
                    guard case .tensor(let t) = v, t.dtype == .float32 else { return v }
                    return .tensor(try t.cast(to: half))
                }
            }
            plan.steps[k].kernel = wrapped
        }
    }
}
