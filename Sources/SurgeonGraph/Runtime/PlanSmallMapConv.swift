import SurgeonTensor

/// Float32 2-D convolutions (one group; pointwise, or strided) by a constant weight on small
/// output maps with large products: Y = bias + W · P (W: Cout × K, K = Cin · taps; P: the input patches, K × pixels,
/// the input itself for a pointwise one) computed as its transpose, Yᵀ = Pᵀ · Wᵀ, through the
/// packed-GEMM kernel with Wᵀ packed once (`PackedWeight`). The output channels run along the
/// kernel's 32-column panels instead of the pixels, so a 7 × 7 map's 49 pixels are rows of
/// register tiles (12 each) rather than one 64-column tile with 15 wasted columns
/// (`ConvPointwise.oneTile`, the direct kernel's 6 × 64), and the weights stream once from
/// their packed copy. Only large weights on small maps (`ConvSmallMap.takes`):
/// there the packed kernel runs 125-145 GFLOP/s on this project's machine against 70-100 for
/// `ConvPointwise` and `ConvDirect`, and the transposes cost less than that saves
/// (squeezenet1_1's 512 → 1000 classifier on 13 × 13: 1.47 ms against 1.68; onnxruntime 1.08).
/// And pointwise convolutions on tiny maps (`ConvSmallMap.tinyPixelsUpTo`: a
/// squeeze-and-excitation block's 1 × 1), whose one pixel `ConvPointwise` computes as a whole
/// 32-column tile.
///
/// The same bits as `ConvPointwise` and `ConvDirect`: all of them sum each output over K in
/// blocks of 256 (input channel by channel, each channel's taps in row-major order), each
/// block from zero with one fused multiply-add per row, the blocks added in order to the bias
/// (here the product's C holds the bias first and the kernel accumulates); a tap that reads
/// padding multiplies a zero in each. A choice of kernel, not a fusion (as `usePackedWeights`):
/// every plan of a fusing interpreter makes it, observed or not.
extension PlanFusion {
    /// Wraps the kernel of every Conv by a constant float32 weight (of a non-constant input)
    /// whose attributes and weight allow this path (one group, a large enough product, and
    /// pointwise or strided: `ConvSmallMap.takes(weight:group:strides:)`) with `smallMapConv`;
    /// the previous kernel is its fallback (types, ranks other than 2-D, large maps). The
    /// others keep their kernel, so their calls do not set up the geometry twice.
    static func useSmallMapConvWeights(in plan: ExecutionPlan, packedWeight: (String) -> PackedWeight) {
        guard PackedMatrix.isFast, ConvSmallMap.enabled else { return }
        for (k, w, previous) in constantWeightConvs(in: plan) {
            let node = plan.steps[k].node
            let group: Int, strides: [Int]
            switch (node.attribute("group"), node.attribute("strides")) {
            case (nil, nil): (group, strides) = (1, [])
            case (.int(let g)?, nil): (group, strides) = (g, [])
            case (nil, .ints(let s)?): (group, strides) = (1, s)
            case (.int(let g)?, .ints(let s)?): (group, strides) = (g, s)
            default: continue
            }
            guard ConvSmallMap.takes(weight: w.shape, group: group, strides: strides) else { continue }
            plan.steps[k].kernel = smallMapConv(packedWeight(node.inputs[1]), fallback: previous)
        }
    }

    /// Conv through `ConvSmallMap` when the inputs are float32, 2-D, in one group
    /// and `ConvSmallMap.takes` the sizes; the step's epilogue offer (or a kept
    /// chain's, `KeptTileOffer`: the result with room for the kept values, so an inspected
    /// run computes the same product as a plain one) is applied to the result. Anything else
    /// goes to `fallback`.
    static func smallMapConv(_ box: PackedWeight, fallback: @escaping Kernel) -> Kernel {
        { ctx in
            let x = try ctx.tensor(0), w = try ctx.tensor(1), bias = try ctx.optionalTensor(2)
            guard x.dtype == .float32, w.dtype == .float32, x.rank == 4, w.rank == 4, x.count > 0, w.count > 0,
                  bias.map({ $0.dtype == .float32 && $0.count == w.shape[0] }) ?? true else { return try fallback(ctx) }
            // A pointwise weight below the large rule is here for tiny maps only: any other map
            // goes to the fallback before the geometry is set up (once, by the fallback).
            if !ConvSmallMap.largeChannels(weight: w.shape),
               x.shape[2] * x.shape[3] > ConvSmallMap.tinyPixelsUpTo { return try fallback(ctx) }
            let (geom, group) = try Conv.setup(ctx: ctx, xShape: x.shape, wShape: w.shape)
            let n = x.shape[0], c = x.shape[1], m = w.shape[0], k = w.count / m
            let pixels = geom.output.reduce(1, *)
            // The node's own conditions (one group, the weight's widths, pointwise or strided)
            // were checked when the plan wrapped it; only the map is left to check.
            guard group == 1,
                  ConvSmallMap.takes(pixels: pixels, rows: k, outputs: m, pointwise: w.shape[2] * w.shape[3] == 1),
                  let packed = box.matrix(for: Tensor(dtype: .float32, shape: [m, k], buffer: w.buffer, byteOffset: w.byteOffset),
                                          transposed: true) else { return try fallback(ctx) }
            // A pointwise convolution reads x as its patches; any other gathers them (im2col).
            let pointwise = k == c && geom.output == Array(x.shape.dropFirst(2)) && geom.strides.allSatisfy({ $0 == 1 })
                && geom.padBegin.allSatisfy({ $0 == 0 }) && geom.padEnd.allSatisfy({ $0 == 0 })
            let patches = pointwise ? nil : (geom: geom, c: c, h: x.shape[2], w: x.shape[3])
            let outShape = [n, m] + geom.output
            let kept = ctx.keptTile
            let buffer: TensorBuffer, y: UnsafeMutablePointer<Float>, keptEpilogue: TileEpilogue?
            if let kept {
                (buffer, y, keptEpilogue) = try kept.newOutput(outShape)
            } else {
                (buffer, y, _) = try newOutput(outShape, Float.self)
                keptEpilogue = nil
            }
            let done = try x.withUnsafeBuffer(of: Float.self) { px -> Bool in
                guard let xb = px.baseAddress else { return false }
                let run = { (b: UnsafePointer<Float>?) in
                    ConvSmallMap.run(x: xb, packed: packed, bias: b, n: n, pixels: pixels, y: y, patches: patches)
                }
                guard let bias else { return run(nil) }
                return try bias.withUnsafeBuffer(of: Float.self) { run($0.baseAddress) }
            }
            guard done else { return try fallback(ctx) }
            if let kept, let keptEpilogue {
                keptEpilogue.apply(y, rows: n * m, cols: pixels, stride: pixels, col0: 0)
                kept.applied()
            } else if let offer = ctx.tileEpilogue {
                offer.epilogue.apply(y, rows: n * m, cols: pixels, stride: pixels, col0: 0)
                offer.applied = true
            }
            return [.tensor(Tensor(dtype: .float32, shape: outShape, buffer: buffer))]
        }
    }
}
