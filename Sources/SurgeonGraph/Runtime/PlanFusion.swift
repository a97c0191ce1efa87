import Foundation
import SurgeonTensor

/// A node fused after a step: it consumes the step's result (its `chainIndex` input), and when
/// the result is a float32 tensor this step alone owns, it is applied in place (no new buffer,
/// no extra pass through memory). Otherwise the node's own kernel runs as usual, so results are
/// the same as unfused either way: relu, clip, and add / sub / mul by a same-shape tensor, a
/// last-axis row (a bias) or a scalar, the float32 activations (`Unary`) and Mul(y, f(y))
/// (`gated`: SiLU) compute exactly what the kernels compute, bit for bit.
struct Epilogue {
    enum InPlace {
        case relu
        case clip(lo: Float, hi: Float)
        /// A fused QuantizeLinear → DequantizeLinear pair.
        case fakeQuantize(FakeQuantize)
        /// A kept pair (`fuseKeptQuantizePairs`) in a chain whose intermediates are kept: also
        /// writes the integer tensor, to slot `extraOutput` (only in `runKeptEpilogues`).
        case quantizePair(FakeQuantize)
        /// y op other, or other op y when `reversed` (only Sub cares).
        case binary(Binary, other: Int, reversed: Bool)
        /// An activation with a float32 fast kernel, applied to y.
        case unary(Unary)
        /// y * f(y): a Mul of y by an activation of y (SiLU = x * sigmoid(x)); `gate` holds
        /// the activation's node for the runs that cannot go in place.
        case gated(Unary)
        /// Cast(to: FLOAT) of an int32 y (a kept ConvInteger's result), first in a kept chain
        /// only: `Interpreter.runKeptEpilogues` converts while reading y; anything else (another
        /// type, not kept) runs the Cast kernel.
        case castInt32
    }
    enum Binary { case add, sub, mul }
    /// The activations with the same float32 per-element function as their op's fast kernel.
    enum Unary: Equatable {
        case sigmoid, hardSwish, geluErf, geluTanh
        case hardSigmoid(alpha: Float, beta: Float)
    }
    /// The activation node of a `gated` epilogue (the Mul is the epilogue's own node).
    struct Gate {
        let nodeBox: NodeBox
        let kernel: Kernel
        let opset: Int
    }

    let nodeIndex: Int
    let nodeBox: NodeBox
    var node: Node { nodeBox.node }
    let kernel: Kernel
    let opset: Int
    /// Slot per node input; `inputs[chainIndex]` is the previous result, never stored.
    let inputs: [Int]
    let chainIndex: Int
    let output: Int
    let inPlace: InPlace
    var gate: Gate? = nil
    /// The integer output's slot of a `quantizePair` (its kernel's first output), else -1.
    var extraOutput = -1
}

/// Plan-time rewrites for runs where no one sees the intermediates they remove:
/// - ConvInteger → Cast(to: FLOAT): one step writing the float32 result (PlanConvIntegerCast.swift).
/// - Conv followed by BatchNormalization (inference form, constant parameters): the
///   normalisation is folded into the convolution's weights and bias once, at compile time.
/// - QuantizeLinear → DequantizeLinear on an activation: one fake-quantize step
///   (PlanFakeQuantize.swift), itself fused as an epilogue when it follows another node.
/// - A node followed by Relu / Clip / Add / Sub / Mul / Sigmoid / HardSigmoid / HardSwish /
///   Gelu reading its result: those run as epilogues of the step (see `Epilogue`). Chains are
///   followed (Conv → Add → Relu).
/// - A node whose result y is read by exactly an activation s = Sigmoid(y) (or HardSigmoid)
///   and Mul(y, s) / Mul(s, y), s read by that Mul alone: one `gated` epilogue computing
///   y * sigmoid(y) in place (SiLU as exported: Sigmoid then Mul).
/// - MatMul / Gemm / Conv with float16 or bfloat16 constant inputs (weights): the constants
///   are converted to float32 once (PlanHalfWeights.swift) instead of at every run.
/// A value is fused away only when exactly one node reads it and it is neither kept
/// (an output or an inspected value) nor a constant.
enum PlanFusion {
    static func apply(to plan: ExecutionPlan, keep: Set<Int>, graphOutputs: Set<Int>, registry: OpRegistry, graph: Graph? = nil) {
        var readers = [Int](repeating: 0, count: plan.slotCount)
        var readerStep = [Int](repeating: -1, count: plan.slotCount)
        var firstReaderStep = [Int](repeating: -1, count: plan.slotCount)
        var producer = [Int](repeating: -1, count: plan.slotCount)
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for (k, st) in plan.steps.enumerated() {
            var reads = st.inputs
            if st.hasSubgraphs { reads += st.node.implicitInputs.compactMap { plan.slotOfName[$0] } }
            for s in reads where s >= 0 {
                readers[s] += 1
                readerStep[s] = k
                if firstReaderStep[s] < 0 { firstReaderStep[s] = k }
            }
            for s in st.outputs where s >= 0 { producer[s] = k }
        }
        func fusible(_ s: Int) -> Bool {
            s >= 0 && readers[s] == 1 && !keep.contains(s) && !graphOutputs.contains(s) && constant[s] == nil
        }
        /// Read by one node, maybe kept: an out-of-place epilogue can compute its reader.
        func observable(_ s: Int) -> Bool {
            s >= 0 && readers[s] == 1 && constant[s] == nil
        }
        var removed = Set<Int>()

        // Conv of DequantizeLinear'd 8-bit activations and int8 weights, on the integers
        // (before the Q → DQ pairs, which would otherwise take its input's DequantizeLinear).
        if let graph {
            for r in fuseQuantizedConvs(plan, graph: graph, constant: constant, fusible: fusible, producer: producer,
                                        removed: &removed) {
                if r.dequantizeRemoved {
                    readers[r.dequantized] = 0
                    readerStep[r.quantized] = r.step
                } else {
                    readers[r.dequantized] -= 1
                    readers[r.quantized] += 1
                    readerStep[r.quantized] = max(readerStep[r.quantized], r.step)
                }
            }
        }

        // QuantizeLinear → DequantizeLinear pairs (before the epilogues, which may take them).
        for r in fuseQuantizePairs(plan, constant: constant, fusible: fusible, readerStep: readerStep, removed: &removed) {
            readers[r.gone] = 0
            producer[r.output] = r.step
        }

        // The same pairs whose integer tensor is kept: one step writing both results.
        for r in fuseKeptQuantizePairs(plan, constant: constant, readers: readers, readerStep: readerStep, removed: &removed) {
            readers[plan.steps[r.step].outputs[0]] = 0
            producer[r.output] = r.step
        }

        // Conv + BatchNormalization.
        for k in plan.steps.indices {
            let st = plan.steps[k]
            guard st.node.opType == "Conv", st.node.domain.isEmpty, st.outputs.count == 1,
                  let y = st.outputs.first, fusible(y), readerStep[y] > k else { continue }
            let c = readerStep[y]
            let bn = plan.steps[c]
            guard bn.node.opType == "BatchNormalization", bn.node.domain.isEmpty, bn.opset >= 7,
                  bn.inputs.count == 5, bn.inputs[0] == y, bn.outputs.count == 1, bn.outputs[0] >= 0,
                  st.inputs.count >= 2, st.inputs[1] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]] else { continue }
            var params: [Tensor] = []
            for s in bn.inputs[1...] {
                guard s >= 0, case .tensor(let t)? = constant[s] else { break }
                params.append(t)
            }
            var bias: Tensor?
            if st.inputs.count > 2, st.inputs[2] >= 0 {
                guard case .tensor(let b)? = constant[st.inputs[2]] else { continue }
                bias = b
            }
            guard params.count == 4,
                  let folded = foldBatchNorm(conv: st.node, w: w, b: bias, bn: bn.node, params: params) else { continue }
            let wSlot = plan.slotCount, bSlot = plan.slotCount + 1
            plan.slotCount += 2
            plan.constants.append((wSlot, .tensor(folded.w)))
            plan.constants.append((bSlot, .tensor(folded.b)))
            var node = st.node
            node.inputs = [node.inputs[0], node.inputs[1] + "+" + bn.node.displayName, bn.node.inputs[2] + "+" + st.node.displayName]
            node.outputs = bn.node.outputs
            plan.steps[k].node = node
            plan.steps[k].inputs = [st.inputs[0], wSlot, bSlot]
            plan.steps[k].outputs = bn.outputs
            removed.insert(c)
            producer[bn.outputs[0]] = k
            readers[y] = 0
        }

        // ConvInteger → Cast(to: FLOAT) (PlanConvIntegerCast.swift), before the epilogues,
        // which then follow the float result.
        for r in fuseConvIntegerCasts(plan, fusible: fusible, readerStep: readerStep, removed: &removed) {
            readers[r.gone] = 0
            producer[r.output] = r.step
        }

        // Epilogues.
        for k in plan.steps.indices where !removed.contains(k) {
            let st = plan.steps[k]
            guard st.kernel != nil, !st.hasSubgraphs, !st.folded, st.outputs.count == 1 || st.chainOutput > 0,
                  st.chainOutput < st.outputs.count else { continue }
            var y = st.outputs[st.chainOutput]
            var epilogues: [Epilogue] = []
            // A step whose result is kept (inspected) but read by one node only: the chain runs
            // out of place, storing every intermediate (`keepsIntermediates`). So does a chain
            // after a kept QuantizeLinear → DequantizeLinear pair (two outputs).
            /// y read twice: by an activation s = f(y) and by Mul(y, s), s read by that Mul alone
            /// (SiLU as exported); nil otherwise. `kept`: s may be kept (inspected).
            func gate(_ y: Int, kept: Bool) -> (u: Int, m: Int, f: Epilogue.Unary)? {
                guard y >= 0, readers[y] == 2, constant[y] == nil else { return nil }
                let u = firstReaderStep[y], m = readerStep[y]
                guard u > k, m > u, !removed.contains(u), !removed.contains(m) else { return nil }
                let us = plan.steps[u], ms = plan.steps[m]
                guard us.node.domain.isEmpty, us.kernel != nil, !us.hasSubgraphs, !us.folded, us.inputs == [y],
                      us.outputs.count == 1, let s = us.outputs.first, kept ? observable(s) : fusible(s), readerStep[s] == m,
                      case .unary(let f)? = inPlaceForm(of: us, chain: 0, constant: constant), f.gates,
                      ms.node.opType == "Mul", ms.node.domain.isEmpty, ms.kernel != nil, !ms.hasSubgraphs,
                      ms.inputs.count == 2, ms.inputs == [y, s] || ms.inputs == [s, y],
                      ms.outputs.count == 1, ms.outputs[0] >= 0 else { return nil }
                return (u, m, f)
            }
            /// The plain (fused, in place) gate: neither y nor s is kept.
            func plainGate(_ y: Int) -> (u: Int, m: Int, f: Epilogue.Unary)? {
                guard !keep.contains(y), !graphOutputs.contains(y) else { return nil }
                return gate(y, kept: false)
            }
            // A step whose result is kept (inspected) and read by a gate, s kept too: the chain
            // runs out of place as well, s and the product being its first two results.
            let keeping = (st.chainOutput > 0 || !fusible(y)) && (observable(y) || (plainGate(y) == nil && gate(y, kept: true) != nil))
            while true {
                if keeping {
                    if epilogues.isEmpty, !observable(y), let (u, m, f) = gate(y, kept: true) {
                        // Kept gate: s = f(y) (the activation's node), then the Mul of s by y,
                        // which this step's result holds (`TileEpilogue.Map.head`).
                        let us = plan.steps[u], ms = plan.steps[m]
                        guard let uk = us.kernel, let mk = ms.kernel else { break }
                        let s = us.outputs[0], chain = ms.inputs[0] == s ? 0 : 1
                        epilogues.append(Epilogue(nodeIndex: us.nodeIndex, nodeBox: us.nodeBox, kernel: uk, opset: us.opset,
                                                  inputs: us.inputs, chainIndex: 0, output: s, inPlace: .unary(f)))
                        epilogues.append(Epilogue(nodeIndex: ms.nodeIndex, nodeBox: ms.nodeBox, kernel: mk, opset: ms.opset,
                                                  inputs: ms.inputs, chainIndex: chain, output: ms.outputs[0],
                                                  inPlace: .binary(.mul, other: y, reversed: chain == 1)))
                        removed.insert(u)
                        removed.insert(m)
                        y = ms.outputs[0]
                        continue
                    }
                    guard observable(y) else { break }
                } else if !fusible(y) {
                    guard let (u, m, f) = plainGate(y), let uk = plan.steps[u].kernel, let mk = plan.steps[m].kernel else { break }
                    let us = plan.steps[u], ms = plan.steps[m]
                    epilogues.append(Epilogue(nodeIndex: ms.nodeIndex, nodeBox: ms.nodeBox, kernel: mk, opset: ms.opset,
                                              inputs: ms.inputs, chainIndex: ms.inputs[0] == y ? 0 : 1, output: ms.outputs[0],
                                              inPlace: .gated(f), gate: Epilogue.Gate(nodeBox: us.nodeBox, kernel: uk, opset: us.opset)))
                    removed.insert(u)
                    removed.insert(m)
                    y = ms.outputs[0]
                    continue
                }
                let c = readerStep[y]
                guard c > k, !removed.contains(c) else { break }
                let e = plan.steps[c]
                if keeping, let fq = e.keptQuantizePair, let kernel = e.kernel, e.inputs == [y], e.epilogues.isEmpty {
                    // A kept pair: its integer result goes to its own slot.
                    epilogues.append(Epilogue(nodeIndex: e.nodeIndex, nodeBox: e.nodeBox, kernel: kernel, opset: e.opset,
                                              inputs: e.inputs, chainIndex: 0, output: e.outputs[1], inPlace: .quantizePair(fq),
                                              extraOutput: e.outputs[0]))
                    removed.insert(c)
                    y = e.outputs[1]
                    continue
                }
                guard e.node.domain.isEmpty, let kernel = e.kernel, !e.hasSubgraphs, e.outputs.count == 1, e.outputs[0] >= 0,
                      let chain = e.inputs.firstIndex(of: y),
                      let inPlace = inPlaceForm(of: e, chain: chain, constant: constant)
                        ?? (keeping && epilogues.isEmpty ? castToFloatForm(of: e) : nil) else { break }
                // The other operand must exist when this step runs.
                if case .binary(_, let other, _) = inPlace, constant[other] == nil, producer[other] >= k { break }
                epilogues.append(Epilogue(nodeIndex: e.nodeIndex, nodeBox: e.nodeBox, kernel: kernel, opset: e.opset,
                                          inputs: e.inputs, chainIndex: chain, output: e.outputs[0], inPlace: inPlace))
                removed.insert(c)
                y = e.outputs[0]
            }
            plan.steps[k].epilogues = epilogues
            plan.steps[k].keepsIntermediates = keeping && !epilogues.isEmpty
            // Conv applies the leading per-value epilogues itself, tile by tile (TileEpilogue.swift),
            // and so does float32 BatchNormalization, plane by plane (BatchNormalizationFloat.swift).
            if st.node.opType == "Conv" || st.node.opType == "BatchNormalization", st.node.domain.isEmpty,
               !plan.steps[k].keepsIntermediates {
                plan.steps[k].tileEpilogue = TileEpilogue(leading: epilogues)
            }
            // So do MatMul / Gemm by a packed weight, a constant bias row included (PlanPackedWeights.swift).
            if st.node.opType == "MatMul" || st.node.opType == "Gemm", st.node.domain.isEmpty,
               !plan.steps[k].keepsIntermediates, !epilogues.isEmpty {
                plan.steps[k].tileEpilogue = TileEpilogue(leading: epilogues) { slot in
                    if case .tensor(let t)? = constant[slot] { return t }
                    return nil
                }
            }
        }
        if !removed.isEmpty {
            plan.steps = plan.steps.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        }
        upcastHalfConstants(plan, constant: constant)
        useKeptTiles(in: plan, constant: constant)
        plan.hasKeptChains = plan.steps.contains { $0.keepsIntermediates }
    }

    /// MatMul by a large constant float32 matrix: with few rows, multiply by its transpose
    /// (see `transposedWeightMatMul`). A choice of kernel, not a fusion: every plan of a
    /// fusing interpreter makes it, observed or not, so inspected values are the ones plain
    /// runs compute.
    static func useTransposedWeights(in plan: ExecutionPlan, transposedWeight: (String) -> TransposedWeight) {
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        for k in plan.steps.indices where !plan.steps[k].folded {
            let st = plan.steps[k]
            guard st.node.opType == "MatMul", st.node.domain.isEmpty, st.kernel != nil, !st.hasSubgraphs,
                  st.inputs.count == 2, st.inputs[0] >= 0, constant[st.inputs[0]] == nil, st.inputs[1] >= 0,
                  case .tensor(let w)? = constant[st.inputs[1]], w.dtype == .float32, w.rank == 2,
                  w.count >= TransposedWeight.minimumCount else { continue }
            plan.steps[k].kernel = transposedWeightMatMul(transposedWeight(st.node.inputs[1]))
        }
    }

    /// A MatMul kernel for `A @ W` with W a constant [k, n] float32 matrix of at least 1 MiB:
    /// when A has at most `TransposedWeight.maximumRows` rows (all batch axes folded), the
    /// product reads Wᵀ ([n, k], made once and kept in `box`) with sgemm's transposed-B form,
    /// which OpenBLAS runs in small-kernel slabs of contiguous rows of Wᵀ (BERT-base's layers
    /// at 16 tokens: 24-27% faster than W as is, whose packing dominated; where the packed
    /// weight runs, i.e. above `maximumRows`, that kernel is used instead). Otherwise, or when
    /// the copy cannot be made (memory budget), the plain MatMul.
    static func transposedWeightMatMul(_ box: TransposedWeight) -> Kernel {
        { ctx in
            let a = try ctx.tensor(0), w = try ctx.tensor(1)
            if a.dtype == .float32, w.dtype == .float32, w.rank == 2, a.rank >= 1, a.shape[a.rank - 1] == w.shape[0],
               w.shape[0] > 0, TransposedWeight.takes(rows: a.count / w.shape[0], weightCount: w.count), let wt = box.matrix(for: w) {
                return [.tensor(try MatMul.matmul(a, transposedWeight: wt))]
            }
            return [.tensor(try MatMul.matmul(a, w))]
        }
    }

    /// A float attribute (an int one converted), `d` when absent, nil for another kind.
    static func floatAttribute(_ n: Node, _ name: String, _ d: Float) -> Float? {
        switch n.attribute(name) {
        case nil: return d
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: return nil
        }
    }

    /// `.castInt32` for a Cast(to: FLOAT) (the first epilogue of a kept chain), else nil.
    static func castToFloatForm(of step: ExecutionPlan.Step) -> Epilogue.InPlace? {
        guard step.node.opType == "Cast", step.inputs.count == 1, case .int(let to)? = step.node.attribute("to"),
              to == Int(DType.float32.rawValue) else { return nil }
        return .castInt32
    }

    /// How `step` (reading the previous result at input `chain`) is applied in place, or nil
    /// when it is not an op fused this way.
    static func inPlaceForm(of step: ExecutionPlan.Step, chain: Int, constant: [Int: Value]) -> Epilogue.InPlace? {
        if let fq = step.fakeQuantize { return chain == 0 && step.inputs.count == 1 ? .fakeQuantize(fq) : nil }
        let n = step.node
        switch n.opType {
        case "Relu":
            return step.inputs.count == 1 ? .relu : nil
        case "Clip":
            guard chain == 0 else { return nil }
            if step.opset < 11 {
                guard step.inputs.count == 1 else { return nil }
                guard let lo = floatAttribute(n, "min", -.infinity), let hi = floatAttribute(n, "max", .infinity) else { return nil }
                return .clip(lo: lo, hi: hi)
            }
            func bound(_ k: Int, _ d: Float) -> Float?? {
                guard k < step.inputs.count, step.inputs[k] >= 0 else { return .some(d) }
                guard case .tensor(let t)? = constant[step.inputs[k]], t.dtype == .float32, t.count == 1,
                      let v = try? t.scalars(of: Float.self).first else { return .none }
                return .some(v)
            }
            guard step.inputs.count <= 3, case .some(let lo?) = bound(1, -.infinity),
                  case .some(let hi?) = bound(2, .infinity) else { return nil }
            return .clip(lo: lo, hi: hi)
        case "Sigmoid", "HardSwish":
            guard step.inputs.count == 1 else { return nil }
            return .unary(n.opType == "Sigmoid" ? .sigmoid : .hardSwish)
        case "HardSigmoid":
            guard step.inputs.count == 1 else { return nil }
            guard let alpha = floatAttribute(n, "alpha", 0.2), let beta = floatAttribute(n, "beta", 0.5) else { return nil }
            return .unary(.hardSigmoid(alpha: alpha, beta: beta))
        case "Gelu":
            guard step.inputs.count == 1 else { return nil }
            switch n.attribute("approximate") {
            case nil, .string("none")?: return .unary(.geluErf)
            case .string("tanh")?: return .unary(.geluTanh)
            default: return nil
            }
        case "Add", "Sub", "Mul":
            guard step.inputs.count == 2, step.inputs[0] != step.inputs[1] else { return nil }
            let other = step.inputs[1 - chain]
            guard other >= 0 else { return nil }
            let op: Epilogue.Binary = n.opType == "Add" ? .add : n.opType == "Sub" ? .sub : .mul
            return .binary(op, other: other, reversed: chain == 1)
        default:
            return nil
        }
    }

    /// W' = W·s and B' = (B − mean)·s + β with s = γ / √(var + ε), per output channel, in Double.
    /// nil unless everything is float32 with matching channel counts and the BatchNormalization
    /// is in inference form.
    static func foldBatchNorm(conv: Node, w: Tensor, b: Tensor?, bn: Node, params: [Tensor]) -> (w: Tensor, b: Tensor)? {
        if case .int(let t)? = bn.attribute("training_mode"), t != 0 { return nil }
        if case .int(let sp)? = bn.attribute("spatial"), sp != 1 { return nil }
        guard w.dtype == .float32, w.rank >= 3, params.allSatisfy({ $0.dtype == .float32 }) else { return nil }
        let m = w.shape[0]
        guard params.allSatisfy({ $0.count == m }), b.map({ $0.dtype == .float32 && $0.count == m }) ?? true else { return nil }
        var eps: Double = 1e-5
        switch bn.attribute("epsilon") {
        case nil: break
        case .float(let v)?: eps = Double(v)
        default: return nil
        }
        guard let gamma = try? params[0].scalars(of: Float.self), let beta = try? params[1].scalars(of: Float.self),
              let mean = try? params[2].scalars(of: Float.self), let variance = try? params[3].scalars(of: Float.self),
              let wv = try? w.scalars(of: Float.self) else { return nil }
        let bv = (try? b?.scalars(of: Float.self)) ?? nil
        let per = w.count / max(m, 1)
        var nw = [Float](repeating: 0, count: w.count)
        var nb = [Float](repeating: 0, count: m)
        for o in 0..<m {
            let s = Double(gamma[o]) / (Double(variance[o]) + Double(Float(eps))).squareRoot()
            for j in 0..<per { nw[o * per + j] = Float(Double(wv[o * per + j]) * s) }
            nb[o] = Float((Double(bv?[o] ?? 0) - Double(mean[o])) * s + Double(beta[o]))
        }
        guard let tw = try? Tensor(shape: w.shape, scalars: nw), let tb = try? Tensor(shape: [m], scalars: nb) else { return nil }
        return (tw, tb)
    }
}

extension Epilogue {
    /// What applying this epilogue in place to `y` needs besides y: a binary op's other operand.
    enum Operand {
        case noOperand
        /// A same-shape tensor, a scalar or a last-axis row.
        case other(Tensor)
        /// One value per index of one axis of y ([1, C, 1, 1] against [N, C, H, W]): y is runs
        /// of `inner` elements, run r using value `r % channels`.
        case channel(Tensor, inner: Int, channels: Int)
    }

    /// The operand for applying this epilogue in place to `y`, or nil when the node's kernel
    /// must run instead: y is not float32, or a binary op's other operand is not a float32
    /// same-shape tensor, scalar, or row along the last axis ([1, ..., 1, N], N = y's last
    /// extent), or with `channels` one value per index of a single axis of y.
    func inPlaceOperand(for y: Tensor, values: UnsafeMutablePointer<Value?>, channels: Bool = false) -> Operand? {
        guard y.dtype == .float32 else { return nil }
        guard case .binary(_, let otherSlot, _) = inPlace else { return .noOperand }
        guard case .tensor(let o)? = values[otherSlot], o.dtype == .float32, o.rank <= y.rank else { return nil }
        let oc = o.count
        if o.shape == y.shape || oc == 1 || (y.shape.last.map { $0 > 0 && o.shape.last == $0 && oc == $0 } ?? false) {
            return .other(o)
        }
        guard channels else { return nil }
        // o's shape right-aligned under y's: 1 everywhere but at one axis, where it is y's extent.
        var axis = -1
        let shift = y.rank - o.rank
        for (i, d) in o.shape.enumerated() where d != 1 {
            guard axis < 0, d == y.shape[i + shift] else { return nil }
            axis = i + shift
        }
        guard axis >= 0 else { return nil }
        return .channel(o, inner: y.shape[(axis + 1)...].reduce(1, *), channels: y.shape[axis])
    }

    /// Applies this epilogue in place to `p[0..<n]`, elements `offset..<offset + n` of a
    /// result of `total` elements (`operand` from `inPlaceOperand`). When a binary operand is
    /// a row shorter than the result, `offset` and `n` must be multiples of the row.
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int, offset: Int, total: Int, _ operand: Operand) {
        switch inPlace {
        case .relu:
            parallelChunks(n) { r in reluRunF32(p + r.lowerBound, r.count) }
        case .unary(let f):
            f.apply(p, n, gated: false)
        case .gated(let f):
            f.apply(p, n, gated: true)
        case .fakeQuantize(let fq), .quantizePair(let fq):
            fq.applyInPlace(p, n)
        case .clip(let lo, let hi):
            // Split as the Relu (it was the one whole-tensor epilogue left on one thread: a
            // quantized model's Clip after every ConvInteger).
            parallelChunks(n) { r in clipRunF32(p + r.lowerBound, r.count, lo: lo, hi: hi) }
        case .castInt32:
            // Never in place (`applyInPlace` returns false first).
            return
        case .binary(let op, _, let reversed):
            let o: Tensor, q: UnsafePointer<Float>, qn: Int
            switch operand {
            case .noOperand:
                return
            case .other(let t):
                o = t
                let base = UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self))
                // A same-shape operand is read from the same offset; a scalar or a row from its start.
                (q, qn) = t.count == total && t.count > 1 ? (base + offset, n) : (base, t.count)
            case .channel(let t, let inner, let channels):
                // The elements are within one run (the caller's chunks): one value.
                o = t
                let base = UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self))
                (q, qn) = (base + (offset / max(inner, 1)) % max(channels, 1), 1)
            }
            withExtendedLifetime(o) {
                // Add and Mul give the same bits in either order.
                switch op {
                case .add: binaryInPlaceF32(p, n, q, qn, reversed: false, AddF.self)
                case .mul: binaryInPlaceF32(p, n, q, qn, reversed: false, MulF.self)
                case .sub: binaryInPlaceF32(p, n, q, qn, reversed: reversed, SubF.self)
                }
            }
        }
    }

    /// Applies this epilogue to `y` in place when possible; false when the kernel must run.
    /// `y` must be owned by the caller alone (checked by the caller).
    func applyInPlace(_ y: Tensor, values: UnsafeMutablePointer<Value?>) -> Bool {
        if case .castInt32 = inPlace { return false }
        guard let operand = inPlaceOperand(for: y, values: values) else {
            // A per-channel operand ([1, C, 1, 1] against [N, C, H, W]) in place, whole tensor.
            guard y.dtype == .float32, case .binary(let op, let otherSlot, let reversed) = inPlace,
                  case .tensor(let o)? = values[otherSlot], o.dtype == .float32, o.rank <= y.rank else { return false }
            let q = UnsafePointer(o.rawPointer.assumingMemoryBound(to: Float.self))
            return Epilogue.applyPerChannel(op, y.rawPointer.assumingMemoryBound(to: Float.self), y.shape, o, q, reversed: reversed)
        }
        let n = y.count
        apply(y.rawPointer.assumingMemoryBound(to: Float.self), n, offset: 0, total: n, operand)
        return true
    }
}

extension Epilogue {
    /// An `Operand` as plain pointers and counts (no reference counting in the chunk loop of
    /// `Interpreter.runKeptEpilogues`; the caller keeps the operand's tensor alive).
    struct OperandView {
        let base: UnsafePointer<Float>?
        let count: Int, inner: Int, channels: Int
        let perChannel: Bool

        init(_ operand: Operand) {
            switch operand {
            case .noOperand:
                (base, count, inner, channels, perChannel) = (nil, 0, 1, 1, false)
            case .other(let t):
                (base, count, inner, channels, perChannel) = (UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self)), t.count, 1, 1, false)
            case .channel(let t, let i, let c):
                (base, count, inner, channels, perChannel) = (UnsafePointer(t.rawPointer.assumingMemoryBound(to: Float.self)), t.count, max(i, 1), max(c, 1), true)
            }
        }
    }
}

extension Epilogue.InPlace {
    /// `dst[i] = f(src[i])` for `i < n`, elements `offset..<offset + n` of a result of `total`
    /// elements: `Epilogue.apply` out of place (same operations, one pass; `dst` must not overlap
    /// `src`), for the kept chains of `Interpreter.runKeptEpilogues`. A per-channel operand's
    /// elements must lie within one run.
    func apply(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int, offset: Int, total: Int,
               _ operand: Epilogue.OperandView) {
        switch self {
        case .relu:
            for i in 0..<n { let v = src[i]; dst[i] = v < 0 ? 0 : v }
        case .clip(let lo, let hi):
            for i in 0..<n {
                let c = src[i] < lo ? lo : src[i]
                dst[i] = c > hi ? hi : c
            }
        case .fakeQuantize(let fq):
            fq.apply(src, dst, n)
        case .unary(.sigmoid): unaryLoopF32(src, dst, n, SigmoidF.self)
        case .unary(.hardSwish): unaryLoopF32(src, dst, n, HardSwishF.self)
        case .unary(.geluErf): unaryLoopF32(src, dst, n, GeluErfF.self)
        case .unary(.geluTanh): unaryLoopF32(src, dst, n, GeluTanhF.self)
        case .binary(let op, _, let reversed):
            guard let base = operand.base else { return }
            // A same-shape operand is read from the same offset; a scalar or a row from its
            // start; a per-channel one at the run's channel.
            let (q, qn) = operand.perChannel ? (base + (offset / operand.inner) % operand.channels, 1)
                : operand.count == total && operand.count > 1 ? (base + offset, n) : (base, operand.count)
            // The operands in the in-place form's order (Add and Mul: y first).
            let (pa, na, pb, nb) = reversed ? (q, qn, src, n) : (src, n, q, qn)
            switch op {
            case .add: binaryLoopsF32(pa, na, pb, nb, dst, n, AddF.self)
            case .mul: binaryLoopsF32(pa, na, pb, nb, dst, n, MulF.self)
            case .sub: binaryLoopsF32(pa, na, pb, nb, dst, n, SubF.self)
            }
        case .unary(let f):
            // hardSigmoid: in place only.
            dst.update(from: src, count: n)
            f.apply(dst, n, gated: false)
        case .gated(let f):
            dst.update(from: src, count: n)
            f.apply(dst, n, gated: true)
        case .quantizePair(let fq):
            dst.update(from: src, count: n)
            fq.applyInPlace(dst, n)
        case .castInt32:
            // `src` holds int32 values (the caller checks): Float(v), as the Cast kernel.
            let s = UnsafeRawPointer(src).assumingMemoryBound(to: Int32.self)
            for i in 0..<n { dst[i] = Float(s[i]) }
        }
    }
}

extension Epilogue.Unary {
    /// Whether Mul(y, f(y)) is fused as a `gated` epilogue (x * sigmoid(x) is SiLU, and
    /// x * hardsigmoid(x) HardSwish as some exporters write it).
    var gates: Bool {
        switch self {
        case .sigmoid, .hardSigmoid: return true
        case .hardSwish, .geluErf, .geluTanh: return false
        }
    }

    /// `p[i] = f(p[i])`, or with `gated` `p[i] * f(p[i])`, with the op's own float32 function,
    /// split over the kernel threads, or with `onThisThread` on the calling thread alone (a
    /// kernel's per-tile epilogue, `TileEpilogue`).
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int, gated: Bool, onThisThread: Bool = false) {
        switch self {
        case .hardSigmoid(let alpha, let beta):
            if onThisThread { hardSigmoidRunF32(p, n, alpha: alpha, beta: beta, gated: gated) }
            else { hardSigmoidInPlaceF32(p, n, alpha: alpha, beta: beta, gated: gated) }
        case .sigmoid: run(p, n, gated, onThisThread, SigmoidF.self)
        case .hardSwish: run(p, n, gated, onThisThread, HardSwishF.self)
        case .geluErf: run(p, n, gated, onThisThread, GeluErfF.self)
        case .geluTanh: run(p, n, gated, onThisThread, GeluTanhF.self)
        }
    }

    /// `dst[i] = f(src[i])` for `i < n` on the calling thread: the same per-element function
    /// as `apply(_:_:gated: false, onThisThread: true)`, out of place (a kept chain's tile).
    func applyOutOfPlace(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        switch self {
        case .hardSigmoid(let alpha, let beta): for i in 0..<n { dst[i] = hardSigmoidF(src[i], alpha, beta) }
        case .sigmoid: unaryRunF32(src, dst, n, SigmoidF.self)
        case .hardSwish: unaryRunF32(src, dst, n, HardSwishF.self)
        case .geluErf: unaryRunF32(src, dst, n, GeluErfF.self)
        case .geluTanh: unaryRunF32(src, dst, n, GeluTanhF.self)
        }
    }

    private func run<K: FloatUnaryKernel>(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ gated: Bool, _ here: Bool, _ k: K.Type) {
        switch (gated, here) {
        case (true, true): gatedRunF32(p, n, K.self)
        case (false, true): unaryRunF32(p, n, K.self)
        case (true, false): gatedInPlaceF32(p, n, K.self)
        case (false, false): unaryInPlaceF32(p, n, K.self)
        }
    }
}

/// A value made from one constant weight matrix (its transpose, its packed copy) on first use
/// and kept (thread-safe). The box belongs to one constant: a `w` other than the first one
/// asked for (another buffer, offset or shape, or the other `form`) gets nil. Once the value
/// is made, products read it: W's pages of a mapped model file leave the resident set (read
/// from the file again if something else reads W), so the copy does not double the weights'
/// memory (BERT-base: ~330 MB).
class DerivedWeight<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var source: (buffer: ObjectIdentifier, offset: Int, shape: [Int], form: Bool)?
    private var value: Value?
    private var failed = false

    /// What `make` gives for `w` (in `form`, a flag of the caller's), made once; nil when it
    /// could not be made (memory budget, sizes) or `w` is not this box's constant.
    func value(for w: Tensor, form: Bool = false, make: (Tensor) throws -> Value) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        if let s = source {
            return s.buffer == ObjectIdentifier(w.buffer) && s.offset == w.byteOffset && s.shape == w.shape
                && s.form == form ? value : nil
        }
        if failed { return nil }
        // Kept for the interpreter's life: not among a run's activations (LongLivedMemory).
        guard let v = try? LongLivedMemory.with({ try make(w) }) else { failed = true; return nil }
        source = (ObjectIdentifier(w.buffer), w.byteOffset, w.shape, form)
        value = v
        w.buffer.releaseMappedPages(byteOffset: w.byteOffset, byteCount: w.byteCount)
        return v
    }

    var isMade: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value != nil
    }
}

/// The transpose of one constant weight matrix, made on first use and kept.
final class TransposedWeight: DerivedWeight<Tensor>, @unchecked Sendable {
    /// Weights below 1 MiB stay as they are (in cache, the plain product is as fast).
    static let minimumCount = 1 << 18
    /// Products with more rows than this take the packed weight (`PackedWeight`). Chains of
    /// MatMul+Add by cold 768 × 3072 weights (2026-11-28, ms per run of 12 products, median):
    /// 1 row 9.1-9.4 here vs 11-12 packed, 8 rows 11.5-12.5 vs 12-13, 16 rows 23-25 vs 11-13,
    /// 49 rows 42 vs 24 (the packed kernel's panel-outer order), 64 rows 54-59 vs 30-37.
    static let maximumRows = 8

    /// Whether a product of `rows` rows by a weight of `weightCount` values is one the
    /// transposed weight is for (few rows against a large weight), where copies made for
    /// many rows (`PackedWeight`) would only add memory.
    static func takes(rows: Int, weightCount: Int) -> Bool {
        rows <= maximumRows && weightCount >= minimumCount
    }

    /// Wᵀ for `w`, or nil when it could not be made (or `w` is not this box's constant).
    func matrix(for w: Tensor) -> Tensor? { value(for: w) { try transposed($0, perm: [1, 0]) } }
}

