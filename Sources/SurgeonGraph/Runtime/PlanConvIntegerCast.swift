import SurgeonTensor

/// ConvInteger followed by Cast(to: FLOAT) of its result, the form onnxruntime's dynamic
/// quantization exports every convolution in (then Mul by the scales, Add the bias): one step
/// whose kernel writes the float32 result directly (`ConvInteger.fast(float32: true)`, bit for
/// bit what the Cast of the int32 result gives), so the int32 tensor and the float32 copy are
/// never both alive and the Cast's pass over memory goes. Only when the int32 value is read by
/// the Cast alone and is neither kept (inspected) nor a graph output: the step then yields a
/// float32 tensor, and the Mul / Add / Clip after it become its in-place epilogues.
/// Inputs the fast kernel does not take run the two nodes' own kernels.
///
/// MatMulInteger → Cast, the same export's form of every MatMul, is fused the same way: the
/// step runs the two kernels, until `useIntegerMatMulWeights` (PlanIntegerMatMul.swift) gives
/// it the packed kernel writing floats for a constant int8 weight (`castsToFloat32`).
extension PlanFusion {
    static func fuseConvIntegerCasts(_ plan: ExecutionPlan, fusible: (Int) -> Bool, readerStep: [Int],
                                     removed: inout Set<Int>) -> [(gone: Int, output: Int, step: Int)] {
        var rewrites: [(gone: Int, output: Int, step: Int)] = []
        for k in plan.steps.indices where !removed.contains(k) {
            let st = plan.steps[k]
            guard st.node.opType == "ConvInteger" || st.node.opType == "MatMulInteger", st.node.domain.isEmpty,
                  let integerKernel = st.kernel, !st.folded,
                  !st.hasSubgraphs, st.epilogues.isEmpty, st.outputs.count == 1, let y = st.outputs.first,
                  fusible(y), readerStep[y] > k else { continue }
            let c = readerStep[y]
            let cast = plan.steps[c]
            guard !removed.contains(c), cast.node.opType == "Cast", cast.node.domain.isEmpty, let castKernel = cast.kernel,
                  !cast.folded, cast.inputs == [y], cast.outputs.count == 1, cast.outputs[0] >= 0,
                  castsToFloat32(cast) else { continue }
            let castBox = cast.nodeBox, castOpset = cast.opset
            let isConv = st.node.opType == "ConvInteger"
            plan.steps[k].kernel = { ctx in
                let x = try ctx.tensor(0), w = try ctx.tensor(1)
                if isConv, x.dtype.isInteger, w.dtype.isInteger,
                   let out = try ConvInteger.fast(ctx: ctx, x: x, w: w, xZp: try ctx.optionalTensor(2),
                                                  wZp: try ctx.optionalTensor(3), float32: true) {
                    return [.tensor(out)]
                }
                guard let yInt = try integerKernel(ctx).first else { throw ctx.error("produced no output") }
                return try castKernel(OpContext(nodeBox: castBox, inputs: [yInt], opset: castOpset, subgraphRunner: noSubgraphs))
            }
            var node = st.node
            node.outputs = cast.node.outputs
            plan.steps[k].node = node
            plan.steps[k].outputs = cast.outputs
            plan.steps[k].castsToFloat32 = true
            removed.insert(c)
            rewrites.append((y, cast.outputs[0], k))
        }
        return rewrites
    }

    /// Whether a Cast step's `to` is FLOAT, as its kernel reads it (`Cast.targetType`).
    static func castsToFloat32(_ cast: ExecutionPlan.Step) -> Bool {
        let ctx = OpContext(nodeBox: cast.nodeBox, inputs: [], opset: cast.opset, subgraphRunner: noSubgraphs)
        return (try? Cast.targetType(ctx)) == .float32
    }
}
