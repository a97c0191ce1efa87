import SurgeonTensor

/// Kept chains (`Step.keepsIntermediates`: `inspect all`, or an inspected value read by one
/// node) after a Conv, MatMul or Gemm: their leading per-value epilogues (Relu, Clip, the
/// activations, a constant bias row of a product, the Mul of a kept gate by the kernel's
/// result) are offered to the kernel in their kept form
/// (`KeptTileOffer`): each tile of the result goes through the epilogues while it is in cache,
/// every epilogue's result stored in its own tensor, instead of one more pass over the whole
/// result (which has left the cache) in `Interpreter.runKeptEpilogues`. The values are those
/// of the unfused nodes, bit for bit: the kernel's result is left as it is, and each epilogue
/// runs the per-element function of its fused form on a copy of its input.
extension PlanFusion {
    /// Sets `keptTile` on the kept chains of Conv / MatMul / Gemm steps; a Conv's kernel is
    /// wrapped by `keptTileConv` (MatMul / Gemm by a packed weight read the offer themselves,
    /// PlanPackedWeights.swift). Run after the other rewrites of the step's kernel.
    static func useKeptTiles(in plan: ExecutionPlan, constant: [Int: Value]) {
        for k in plan.steps.indices where plan.steps[k].keepsIntermediates {
            let st = plan.steps[k]
            guard st.node.domain.isEmpty, let kernel = st.kernel, !st.hasSubgraphs, !st.folded, st.chainOutput == 0,
                  st.outputs.count == 1 else { continue }
            switch st.node.opType {
            case "Conv":
                // A Conv run on the integers (`fuseQuantizedConvs`: no float32 weights input)
                // keeps its own kernel; the chain runs after it.
                guard st.inputs.count >= 2, st.inputs[1] >= 0 else { continue }
                // No rows by a constant: a Conv's tiles are channels, not columns of a last axis.
                guard let te = TileEpilogue(leading: st.epilogues, head: st.outputs[0], rowConstant: { _ in nil }) else { continue }
                plan.steps[k].keptTile = te
                plan.steps[k].kernel = keptTileConv(fallback: kernel)
            case "MatMul", "Gemm":
                guard let te = TileEpilogue(leading: st.epilogues, head: st.outputs[0], rowConstant: { slot in
                    if case .tensor(let t)? = constant[slot] { return t }
                    return nil
                }) else { continue }
                plan.steps[k].keptTile = te
            default:
                continue
            }
        }
    }

    /// Conv's float32 path (`Conv.conv`'s checks, then the same `Conv.convFloat32`) writing
    /// into `KeptTileOffer.newOutput`'s buffer with its epilogue, when the step offers one;
    /// anything else (other types, half weights, empty inputs, errors to report) goes to
    /// `fallback`, the step's Conv kernel, and the chain then runs after it as usual.
    static func keptTileConv(fallback: @escaping Kernel) -> Kernel {
        { ctx in
            if let r = try keptTileConvRun(ctx) { return r }
            return try fallback(ctx)
        }
    }

    /// The kept-tile Conv of `keptTileConv`, with a plan's kept tap weights when given
    /// (`tapWeightsConv`: the same products as `Conv.conv` with them); nil when the offer is
    /// not taken (none, or not float32 Conv inputs): the caller's fallback runs.
    static func keptTileConvRun(_ ctx: OpContext, tapWeights: ConvTapWeights? = nil) throws -> [Value]? {
        guard let offer = ctx.keptTile else { return nil }
        guard let x = try ctx.optionalTensor(0), let w = try ctx.optionalTensor(1) else { return nil }
        let bias = try ctx.optionalTensor(2)
        guard x.dtype == .float32, w.dtype == .float32, x.count > 0, w.count > 0, x.rank >= 3, w.rank == x.rank,
              bias.map({ $0.count == w.shape[0] }) ?? true else { return nil }
        let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
        let outShape = [x.shape[0], w.shape[0]] + geom.output
        let (buffer, y, te) = try offer.newOutput(outShape)
        try Conv.convFloat32(x: x, w: w, mixed: false, bias: bias, geom: geom, group: group, y: y,
                             count: outShape.reduce(1, *), epilogue: te, taps: tapWeights?.source(for: w))
        offer.applied()
        return [.tensor(Tensor(dtype: .float32, shape: outShape, buffer: buffer))]
    }
}
