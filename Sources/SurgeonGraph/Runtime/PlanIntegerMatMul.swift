import SurgeonTensor

/// MatMulInteger by a constant int8 matrix B (dynamic quantization's form: uint8 activations
/// from DynamicQuantizeLinear, int8 weights): Bᵀ packed once for the VNNI kernel
/// (`QGemm.PackedWeights`) and kept, where the general kernel converts B to floats and runs
/// `sgemm` at every run. The same integers (exact arithmetic), so a choice of kernel in every
/// plan of a fusing interpreter, observed or not (as `usePackedWeights`). Only where the VNNI
/// kernel runs (`QGemm.available`); other operands run the step's previous kernel.
extension PlanFusion {
    static func useIntegerMatMulWeights(in plan: ExecutionPlan, weight: (String) -> IntegerMatMulWeight) {
        guard QGemm.available else { return }
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.opType == "MatMulInteger", st.node.domain.isEmpty, let previous = st.kernel, !st.hasSubgraphs,
                  st.inputs.count >= 2, st.inputs[1] >= 0, case .tensor(let b)? = constant[st.inputs[1]],
                  b.dtype == .int8, b.rank == 2, b.count > 0 else { continue }
            let box = weight(st.node.inputs[1])
            let float32 = st.castsToFloat32
            plan.steps[k].kernel = { ctx in
                let a = try ctx.tensor(0), b = try ctx.tensor(1)
                if let w = box.packed(for: b),
                   let out = try MatMulInteger.packed(a, b, try ctx.optionalTensor(2), try ctx.optionalTensor(3),
                                                      weights: w, float32: float32) {
                    return [.tensor(out)]
                }
                return try previous(ctx)
            }
        }
    }
}

/// A constant int8 MatMulInteger weight B (`K × N`) as Bᵀ packed for the VNNI kernel, made on
/// first use and kept for every plan of the interpreter.
final class IntegerMatMulWeight: DerivedWeight<QGemm.PackedWeights>, @unchecked Sendable {
    /// Bᵀ packed, or nil when it could not be (sizes) or `b` is not this box's constant.
    func packed(for b: Tensor) -> QGemm.PackedWeights? {
        guard b.dtype == .int8, b.rank == 2 else { return nil }
        return value(for: b) { b in
            let k = b.shape[0], n = b.shape[1]
            let src = b.rawPointer.assumingMemoryBound(to: Int8.self)
            var wt = [Int8](repeating: 0, count: n * k)
            for p in 0..<k {
                for j in 0..<n { wt[j * k + p] = src[p * n + j] }
            }
            return try QGemm.PackedWeights(wt, rows: n, depth: k)
        }
    }
}
