import SurgeonTensor

/// Pointwise (1×1, stride 1, unpadded, one group) float32 convolutions by a constant weight on
/// small maps: Y = bias + W · X (W: Cout × Cin, X: Cin × pixels) computed as its transpose,
/// Yᵀ = Xᵀ · Wᵀ, through the packed-GEMM kernel with Wᵀ packed once (`PackedWeight`). The
/// output channels run along the kernel's 32-column panels instead of the pixels, so a 7 × 7
/// map's 49 pixels are rows of register tiles (12 each) rather than one 64-column tile with 15
/// wasted columns (`ConvPointwise.oneTile`), and the weights stream once from their packed copy.
/// Only large weights on small maps (`ConvPointwiseTransposed.takes`): there the packed kernel
/// runs 130-145 GFLOP/s on this project's machine against 70-80 for `ConvPointwise`, and the
/// transposes of the input and the result cost less than that saves (squeezenet1_1's
/// 512 → 1000 classifier on 13 × 13: 1.47 ms against 1.68; onnxruntime 1.08).
///
/// The same bits as `ConvPointwise`: both kernels sum each output over the input channels in
/// blocks of 256, each block with one fused multiply-add per channel from zero, the blocks
/// added in order to the bias (here the product's C holds the bias first and the kernel
/// accumulates), so only where the values sit differs. A choice of kernel, not a fusion (as
/// `usePackedWeights`): every plan of a fusing interpreter makes it, observed or not.
extension PlanFusion {
    /// Wraps the kernel of every Conv by a constant float32 weight whose spatial extents are
    /// all 1 (of a non-constant input) with `pointwiseWeightConv`; the previous kernel is its
    /// fallback (other geometries, groups, types, large maps).
    static func usePointwiseWeights(in plan: ExecutionPlan, packedWeight: (String) -> PackedWeight) {
        guard PackedMatrix.isFast, ConvPointwiseTransposed.enabled else { return }
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.opType == "Conv", st.node.domain.isEmpty, let previous = st.kernel, !st.hasSubgraphs,
                  st.inputs.count >= 2, st.inputs.count <= 3, st.outputs.count == 1, st.inputs[0] >= 0,
                  constant[st.inputs[0]] == nil, st.inputs[1] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]], w.dtype == .float32, w.rank >= 3, w.count > 0,
                  w.shape.dropFirst(2).allSatisfy({ $0 == 1 }) else { continue }
            plan.steps[k].kernel = pointwiseWeightConv(packedWeight(st.node.inputs[1]), fallback: previous)
        }
    }

    /// Conv through `ConvPointwiseTransposed` when the inputs are float32, the geometry is a
    /// plain pointwise one (one group, strides 1, no padding) and `ConvPointwiseTransposed.takes`
    /// the sizes; the step's epilogue offer is applied to the result. Anything else (and kept
    /// chains, whose Conv writes its tiles through `KeptTileOffer`) goes to `fallback`.
    static func pointwiseWeightConv(_ box: PackedWeight, fallback: @escaping Kernel) -> Kernel {
        { ctx in
            guard ctx.keptTile == nil else { return try fallback(ctx) }
            let x = try ctx.tensor(0), w = try ctx.tensor(1), bias = try ctx.optionalTensor(2)
            guard x.dtype == .float32, w.dtype == .float32, x.rank >= 3, w.rank == x.rank, x.count > 0,
                  w.shape.dropFirst(2).allSatisfy({ $0 == 1 }),
                  bias.map({ $0.dtype == .float32 && $0.count == w.shape[0] }) ?? true else { return try fallback(ctx) }
            let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
            let spatial = Array(x.shape.dropFirst(2))
            guard group == 1, geom.output == spatial, geom.strides.allSatisfy({ $0 == 1 }),
                  geom.padBegin.allSatisfy({ $0 == 0 }), geom.padEnd.allSatisfy({ $0 == 0 }) else { return try fallback(ctx) }
            let n = x.shape[0], c = x.shape[1], m = w.shape[0], pixels = spatial.reduce(1, *)
            guard ConvPointwiseTransposed.takes(pixels: pixels, inputs: c, outputs: m),
                  let packed = box.matrix(for: Tensor(dtype: .float32, shape: [m, c], buffer: w.buffer, byteOffset: w.byteOffset),
                                          transposed: true) else { return try fallback(ctx) }
            let outShape = [n, m] + spatial
            let (buffer, y, count) = try newOutput(outShape, Float.self)
            let done = try x.withUnsafeBuffer(of: Float.self) { px -> Bool in
                guard let xb = px.baseAddress else { return false }
                let run = { (b: UnsafePointer<Float>?) in
                    ConvPointwiseTransposed.run(x: xb, packed: packed, bias: b, n: n, pixels: pixels, y: y)
                }
                guard let bias else { return run(nil) }
                return try bias.withUnsafeBuffer(of: Float.self) { run($0.baseAddress) }
            }
            guard done else { return try fallback(ctx) }
            if let offer = ctx.tileEpilogue {
                offer.epilogue.apply(y, rows: count / max(pixels, 1), cols: pixels, stride: pixels, col0: 0)
                offer.applied = true
            }
            return [.tensor(Tensor(dtype: .float32, shape: outShape, buffer: buffer))]
        }
    }
}
