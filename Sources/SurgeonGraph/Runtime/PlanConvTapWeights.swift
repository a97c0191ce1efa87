import SurgeonTensor

/// Float32 2-D convolutions by a constant weight some of whose taps read only padding
/// (DeepLabV3's ASPP: 3x3 with dilation 24 and 36 on a 14x14 map is a 1x1; with dilation 12
/// the outer taps cover two rows or columns). `Conv.convCore` handles them by copying the
/// weights at every call (`Conv.liveTaps`: the live taps' slice; `ConvRegions`: regrouped by
/// tap), a strided pass over the whole weight (8.8 MB for the ASPP's 960 → 256 convs, about
/// 0.85 ms, half the 1x1 product itself). Here the copy is made once per constant weight and
/// kept for every plan of the interpreter (like `PackedWeight`). A choice of kernel, not a
/// fusion: every plan of a fusing interpreter makes it, observed or not, and the products are
/// the ones the per-call copies feed.
extension PlanFusion {
    /// Wraps the kernel of every dilated Conv by a constant float32 4-D weight (of a
    /// non-constant input) with `tapWeightsConv`; the previous kernel is its fallback. Only
    /// dilated ones: they are the ones whose taps leave the map on real models, and the others
    /// do not pay the wrapper's checks at every call.
    static func useConvTapWeights(in plan: ExecutionPlan, box: (String) -> ConvTapWeights) {
        for (k, _, previous) in constantWeightConvs(in: plan) {
            let node = plan.steps[k].node
            guard case .ints(let dilations)? = node.attribute("dilations"), dilations.contains(where: { $0 > 1 }) else { continue }
            plan.steps[k].kernel = tapWeightsConv(box(node.inputs[1]), fallback: previous)
        }
    }

    /// The running Conv steps (standard domain, 2-3 inputs, one output) of a non-constant input
    /// by a constant float32 4-D weight: step index, the weight, the step's kernel. The steps a
    /// plan may give a kernel that keeps something made from the weight (`useConvTapWeights`,
    /// `useSmallMapConvWeights`).
    static func constantWeightConvs(in plan: ExecutionPlan) -> [(step: Int, w: Tensor, kernel: Kernel)] {
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        var found: [(step: Int, w: Tensor, kernel: Kernel)] = []
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.opType == "Conv", st.node.domain.isEmpty, let kernel = st.kernel, !st.hasSubgraphs,
                  st.inputs.count >= 2, st.inputs.count <= 3, st.outputs.count == 1, st.inputs[0] >= 0,
                  constant[st.inputs[0]] == nil, st.inputs[1] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]], w.dtype == .float32, w.rank == 4, w.count > 0 else { continue }
            found.append((k, w, kernel))
        }
        return found
    }

    /// `Conv.conv` with the box's kept copies for `convCore`'s tap paths (a slice when one tap
    /// is live, the regrouped weights for `ConvRegions`; any other geometry copies nothing) for
    /// float32 inputs and weights, in a kept-tile chain too (`keptTileConvRun`); anything else
    /// (half or quantized weights) goes to `fallback`, the step's previous kernel.
    static func tapWeightsConv(_ box: ConvTapWeights, fallback: @escaping Kernel) -> Kernel {
        { ctx in
            if ctx.keptTile != nil, let r = try keptTileConvRun(ctx, tapWeights: box) { return r }
            let x = try ctx.tensor(0), w = try ctx.tensor(1)
            guard ctx.keptTile == nil, x.dtype == .float32, w.dtype == .float32 else { return try fallback(ctx) }
            return [.tensor(try Conv.conv(ctx: ctx, x: x, w: w, bias: try ctx.optionalTensor(2), epilogue: ctx.tileEpilogue,
                                          tapWeights: box))]
        }
    }
}

/// The derived copies of one constant Conv weight, made on first use and kept for every plan
/// of the interpreter: the weights of a single live tap (`[m, cg, 1, 1]`) or all of them
/// regrouped by tap (`ConvRegions.regroup`).
final class ConvTapWeights: @unchecked Sendable {
    private let single = DerivedWeight<(tap: Int, w: Tensor)>()
    private let all = DerivedWeight<Tensor>()

    /// Tap `tap`'s weights of every output channel, `[m, cg, 1, 1]`; nil when they could not
    /// be made or the box holds another tap (an input of another size) or constant.
    func singleTap(_ w: Tensor, tap: Int) -> Tensor? {
        let m = w.shape[0], cg = w.shape[1], kSize = w.shape[2] * w.shape[3]
        guard tap >= 0, tap < kSize else { return nil }
        let made = single.value(for: w) { w in
            let t = try Tensor.buildOverwriting([m, cg, 1, 1], of: Float.self) { dst in
                guard let d = dst.baseAddress else { return }
                let src = w.rawPointer.assumingMemoryBound(to: Float.self)
                for r in 0..<(m * cg) { d[r] = src[r * kSize + tap] }
            }
            return (tap, t)
        }
        guard let made, made.tap == tap else { return nil }
        return made.w
    }

    /// Every tap's weights, `[kh * kw, m, cg]` (`ConvRegions.regroup`); nil when they could
    /// not be made or the box holds another constant.
    func regrouped(_ w: Tensor) -> Tensor? {
        all.value(for: w) { w in
            let kSize = w.shape[2] * w.shape[3]
            return try Tensor.buildOverwriting([kSize, w.shape[0], w.shape[1]], of: Float.self) { dst in
                guard let d = dst.baseAddress else { return }
                ConvRegions.regroup(w: w.rawPointer.assumingMemoryBound(to: Float.self), wShape: w.shape, into: d)
            }
        }
    }

    var isMade: Bool { single.isMade || all.isMade }

    /// What `Conv.convCore` reads for `w` (this box's constant): pointers into the kept copies,
    /// made on first use; nil where they cannot be (then it copies as without a plan).
    func source(for w: Tensor) -> ConvTapSource {
        ConvTapSource(singleTap: { tap in
            self.singleTap(w, tap: tap).map { UnsafePointer($0.rawPointer.assumingMemoryBound(to: Float.self)) }
        }, regrouped: {
            self.regrouped(w).map { UnsafePointer($0.rawPointer.assumingMemoryBound(to: Float.self)) }
        })
    }
}

/// A constant float32 Conv weight's kept copies as `Conv.convCore` reads them: tap t's weights
/// of every output channel (`[m, cg]`) and every tap's (`[kh·kw, m, cg]`, `ConvRegions.regroup`).
/// The box that made them keeps them alive for the interpreter's life.
struct ConvTapSource {
    let singleTap: (Int) -> UnsafePointer<Float>?
    let regrouped: () -> UnsafePointer<Float>?
}
