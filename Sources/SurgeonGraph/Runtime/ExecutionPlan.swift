import SurgeonTensor

/// A top-level graph compiled for repeated runs: nodes in execution order with their kernels
/// looked up, every value an integer slot, the slots each step frees, nodes whose inputs are all
/// constant computed once (folded), and, when nothing watches the intermediates, chains of
/// nodes fused into one step (see PlanFusion.swift).
///
/// A plan depends on the set of values a run keeps (outputs + inspected values) and on whether
/// an observer watches every node: the Interpreter caches one per (kept values, observing).
final class ExecutionPlan {
    /// One node to run (with its epilogues when fused).
    struct Step {
        /// Index in `graph.nodes` (for events and errors).
        let nodeIndex: Int
        /// The node as run: the graph's node, or a rewrite (a Conv with a BatchNormalization folded in).
        var node: Node {
            get { nodeBox.node }
            set { nodeBox = NodeBox(newValue) }
        }
        /// `node` by reference, handed to each OpContext.
        private(set) var nodeBox: NodeBox
        /// nil for a model-local function call.
        var kernel: Kernel?
        let function: Function?
        let opset: Int
        /// Slot per node input (-1 for an omitted input).
        var inputs: [Int]
        /// Slot per node output (-1 for an omitted output).
        var outputs: [Int]
        let hasSubgraphs: Bool
        /// Nodes fused after this one, each consuming the previous result (see PlanFusion.swift).
        var epilogues: [Epilogue] = []
        /// The leading per-value `epilogues`, offered to the kernel to apply tile by tile
        /// (see TileEpilogue.swift); those it applies are skipped.
        var tileEpilogue: TileEpilogue?
        /// Slots freed after the step (their last reader; not kept, not constant).
        var release: [Int] = []
        /// True when the outputs were computed at compile time; only kept to report to observers.
        var folded = false
        /// Set on a QuantizeLinear → DequantizeLinear pair run as one step (PlanFakeQuantize.swift).
        var fakeQuantize: FakeQuantize?
        /// The output the epilogues consume (1 for a kept QuantizeLinear → DequantizeLinear
        /// pair, whose float result is its second output).
        var chainOutput = 0
        /// Set on a kept QuantizeLinear → DequantizeLinear pair run as one step writing both.
        var keptQuantizePair: FakeQuantize?
        /// True when the epilogues run out of place and every intermediate is stored: some
        /// of them are kept (inspected), see `PlanFusion` and `Interpreter.runKeptEpilogues`.
        var keepsIntermediates = false
        /// With `keepsIntermediates`: the leading per-value epilogues, offered to the kernel
        /// in their kept form (`KeptTileOffer`, PlanKeptTile.swift).
        var keptTile: TileEpilogue?
        /// Set on a ConvInteger / MatMulInteger step that also runs the Cast(to: FLOAT) of its
        /// int32 result (PlanConvIntegerCast.swift): its kernel yields float32.
        var castsToFloat32 = false

        init(nodeIndex: Int, node: Node, kernel: Kernel?, function: Function?, opset: Int, inputs: [Int], outputs: [Int], hasSubgraphs: Bool) {
            self.nodeIndex = nodeIndex
            nodeBox = NodeBox(node)
            self.kernel = kernel
            self.function = function
            self.opset = opset
            self.inputs = inputs
            self.outputs = outputs
            self.hasSubgraphs = hasSubgraphs
        }
    }

    var steps: [Step]
    var slotCount: Int
    let slotOfName: [String: Int]
    /// Values present at the start of every run: initializers and folded node outputs.
    var constants: [(slot: Int, value: Value)]
    /// Initializer-backed graph inputs: defaults that a feed may replace.
    let defaults: [(slot: Int, value: Value)]
    /// Graph inputs that are not initializers: (name, slot), each must be fed.
    let requiredInputs: [(name: String, slot: Int, type: ValueType)]
    /// Graph inputs backed by an initializer: (name, slot), may be fed.
    let optionalInputs: [(name: String, slot: Int)]
    /// The values a run returns, by name.
    let kept: [(name: String, slot: Int)]
    /// Per `kept` entry: whether it is its slot's last, whose value a run moves into the result.
    let keptLast: [Bool]
    let hasSubgraphSteps: Bool
    /// Whether a step runs a kept chain (`Step.keepsIntermediates`, set by `PlanFusion`): only
    /// then does a run count the bytes it writes (`Interpreter.streamKeptAfterBytes`).
    var hasKeptChains = false
    /// Constant nodes left unfolded for the fusions to take (`deferredWeightDequantizers`):
    /// graph node indices. `settleDeferredFolds` folds, after the fusions, those still read.
    var deferredFolds: Set<Int> = []

    init(steps: [Step], slotCount: Int, slotOfName: [String: Int], constants: [(slot: Int, value: Value)],
         defaults: [(slot: Int, value: Value)], requiredInputs: [(name: String, slot: Int, type: ValueType)],
         optionalInputs: [(name: String, slot: Int)], kept: [(name: String, slot: Int)]) {
        self.steps = steps
        self.slotCount = slotCount
        self.slotOfName = slotOfName
        self.constants = constants
        self.defaults = defaults
        self.requiredInputs = requiredInputs
        self.optionalInputs = optionalInputs
        self.kept = kept
        var seen = Set<Int>()
        var last = [Bool](repeating: false, count: kept.count)
        for i in kept.indices.reversed() where seen.insert(kept[i].slot).inserted { last[i] = true }
        keptLast = last
        hasSubgraphSteps = steps.contains { $0.hasSubgraphs }
        carvesSmallValues = kept.count >= 16 && kept.count * 2 >= steps.count
    }

    /// Number of steps that run (folded ones excluded), for tests and `profile`.
    var runningStepCount: Int { steps.filter { !$0.folded }.count }

    /// Whether a run carves its small buffers from a `ValueSlab`: when it keeps about as many
    /// values as it has steps (`inspect all`), so nearly every buffer lives until the run's
    /// results are dropped, and the slab's space is not wanted back before.
    let carvesSmallValues: Bool
}

/// Ops whose result is not a function of their inputs: never folded.
let nondeterministicOps: Set<String> = [
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial",
]

extension Interpreter {
    /// Compiles the top-level graph for runs that keep `keep` (in order, duplicates allowed).
    /// `observing`: an observer sees every node, so nothing is fused (folded nodes still report).
    func compilePlan(keep: [String], observing: Bool) throws -> ExecutionPlan {
        compileLock.lock()
        defer { compileLock.unlock() }
        let g = model.graph
        let opsets = model.opsetImports
        let order = try g.executionOrder(isOuter: { _ in false })

        var slotOfName: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if name.isEmpty { return -1 }
            if let s = slotOfName[name] { return s }
            let s = slotOfName.count
            slotOfName[name] = s
            return s
        }
        let graphInputNames = Set(g.inputs.map(\.name))
        var requiredInputs: [(name: String, slot: Int, type: ValueType)] = []
        var optionalInputs: [(name: String, slot: Int)] = []
        var defaults: [(slot: Int, value: Value)] = []
        for inp in g.inputs {
            if let t = g.initializers[inp.name] {
                let s = slot(inp.name)
                optionalInputs.append((inp.name, s))
                defaults.append((s, .tensor(t)))
            } else {
                requiredInputs.append((inp.name, slot(inp.name), inp.type))
            }
        }
        // Constants: initializers that no feed can replace, then folded node outputs.
        var constantValues: [Int: Value] = [:]
        for name in g.initializerOrder where !graphInputNames.contains(name) {
            if let t = g.initializers[name] { constantValues[slot(name)] = .tensor(t) }
        }

        // Weights the fusions will read in another form (int8 packed for QuantizedConv): not
        // folded to float32 here, so a plain run never holds that copy (see PlanQuantizedConv.swift).
        let keptNames = Set(keep)
        let deferred: Set<Int> = !observing && fusionEnabled
            ? PlanFusion.deferredWeightDequantizers(graph: g, keep: keptNames) : []
        var steps: [ExecutionPlan.Step] = []
        steps.reserveCapacity(order.count)
        for i in order {
            let node = g.nodes[i]
            let version = opset(node.domain, opsets)
            let fn = function(for: node)
            let kernel = fn == nil ? registry.kernel(domain: node.domain, op: node.opType, opset: version) : nil
            if fn == nil && kernel == nil {
                let dom = node.domain.isEmpty ? "ai.onnx" : node.domain
                throw GraphError("no kernel for \(node.opType) (domain \(dom), opset \(version))")
            }
            let hasSubgraphs = node.attributes.contains {
                switch $0.value { case .graph, .graphs: return true; default: return false }
            }
            var step = ExecutionPlan.Step(
                nodeIndex: i, node: node, kernel: kernel, function: fn, opset: version,
                inputs: node.inputs.map(slot), outputs: node.outputs.map(slot), hasSubgraphs: hasSubgraphs)
            // Implicit (subgraph) reads get slots too, so their last use is known.
            for name in node.implicitInputs { _ = slot(name) }
            if let kernel, !hasSubgraphs, !nondeterministicOps.contains(node.opType), !deferred.contains(i),
               step.inputs.allSatisfy({ $0 < 0 || constantValues[$0] != nil }) {
                // Folded once per interpreter: every plan (any kept set) shares the results.
                let outs: [Value]?
                if let cached = foldCache[i] {
                    outs = cached
                } else {
                    outs = Interpreter.fold(node: node, kernel: kernel, opset: version,
                                            inputs: step.inputs.map { $0 < 0 ? nil : constantValues[$0] })
                    foldCache[i] = .some(outs)
                }
                if let outs {
                    for (k, s) in step.outputs.enumerated() where s >= 0 && k < outs.count { constantValues[s] = outs[k] }
                    step.folded = true
                }
            }
            steps.append(step)
        }
        let kept: [(name: String, slot: Int)] = keep.map { ($0, slot($0)) }
        let plan = ExecutionPlan(
            steps: steps, slotCount: slotOfName.count, slotOfName: slotOfName,
            constants: constantValues.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            defaults: defaults, requiredInputs: requiredInputs, optionalInputs: optionalInputs, kept: kept)
        if !observing {
            plan.steps.removeAll { $0.folded }
            plan.deferredFolds = deferred
            PlanFusion.apply(to: plan, keep: Set(kept.map(\.slot)), graphOutputs: Set(g.outputs.map { slot($0.name) }), registry: registry,
                             graph: fusionEnabled ? g : nil)
            settleDeferredFolds(plan)
        }
        if fusionEnabled {
            PlanFusion.useTransposedWeights(in: plan) { name in
                self.weightBox(\.transposedWeights, name, TransposedWeight.init)
            }
            PlanFusion.usePackedWeights(in: plan) { name, transposed in
                self.weightBox(\.packedWeights, (transposed ? "T:" : "N:") + name, PackedWeight.init)
            }
            PlanFusion.useSmallMapConvWeights(in: plan) { name in
                self.weightBox(\.packedWeights, "P:" + name, PackedWeight.init)
            }
            PlanFusion.useConvTapWeights(in: plan) { name in
                self.weightBox(\.convTapWeights, name, ConvTapWeights.init)
            }
            PlanFusion.useRecurrentWeights(in: plan) { key in
                self.weightBox(\.recurrentWeights, key, RecurrentWeight.init)
            }
            PlanFusion.useIntegerMatMulWeights(in: plan) { name in
                self.weightBox(\.integerMatMulWeights, name, IntegerMatMulWeight.init)
            }
        }
        ExecutionPlan.computeReleases(plan, keep: Set(kept.map(\.slot)), implicitReads: { step in
            step.hasSubgraphs ? step.node.implicitInputs.compactMap { slotOfName[$0] } : []
        })
        return plan
    }

    /// The deferred constant nodes (`ExecutionPlan.deferredFolds`) after the fusions: dropped
    /// when no step reads their outputs any more, folded now (as they would have been) when
    /// one still does. Called with `compileLock` held.
    func settleDeferredFolds(_ plan: ExecutionPlan) {
        guard !plan.deferredFolds.isEmpty else { return }
        var read = Set<Int>()
        for st in plan.steps where !plan.deferredFolds.contains(st.nodeIndex) {
            read.formUnion(st.inputs)
            for e in st.epilogues { read.formUnion(e.inputs) }
            if st.hasSubgraphs { read.formUnion(st.node.implicitInputs.compactMap { plan.slotOfName[$0] }) }
        }
        read.formUnion(plan.kept.map(\.slot))
        var constant: [Int: Value] = [:]
        for c in plan.constants { constant[c.slot] = c.value }
        var gone = Set<Int>()
        for (k, st) in plan.steps.enumerated() where plan.deferredFolds.contains(st.nodeIndex) {
            if st.outputs.allSatisfy({ $0 < 0 || !read.contains($0) }) {
                gone.insert(k)
                continue
            }
            guard let kernel = st.kernel, st.inputs.allSatisfy({ $0 < 0 || constant[$0] != nil }) else { continue }
            let outs: [Value]?
            if let cached = foldCache[st.nodeIndex] {
                outs = cached
            } else {
                outs = Interpreter.fold(node: st.node, kernel: kernel, opset: st.opset,
                                        inputs: st.inputs.map { $0 < 0 ? nil : constant[$0] })
                foldCache[st.nodeIndex] = .some(outs)
            }
            guard let outs else { continue }
            for (j, s) in st.outputs.enumerated() where s >= 0 && j < outs.count {
                plan.constants.append((s, outs[j]))
                constant[s] = outs[j]
            }
            gone.insert(k)
        }
        plan.steps = plan.steps.enumerated().filter { !gone.contains($0.offset) }.map(\.element)
    }

    /// Bytes by which a folded result may exceed 4 × its inputs' (`fold`): 1 MiB. An expansion
    /// past it (a ConstantOfShape or Expand of a few values into a tensor) is redone by every
    /// run instead of being held by the plan from one run to the next: it is live only from its
    /// node to its last reader, not under the run's largest activations (ssdlite320's image
    /// scatter: a 2.4 MB Expand of channel indices and a 1.2 MB zeros image held for good had
    /// been 3.6 MB of its 12.7 MB of arena in use at its peak; 16 MiB before 2026-11-29).
    static let foldedExpansionLimit = 1 << 20

    /// Runs a node whose inputs are all constant, at compile time. nil when the kernel fails
    /// (the node then runs, and fails, at run time with the usual message) or when the result
    /// is much bigger than its inputs (a ConstantOfShape or Expand is cheaper to redo than to keep).
    static func fold(node: Node, kernel: Kernel, opset: Int, inputs: [Value?]) -> [Value]? {
        let ctx = OpContext(node: node, inputs: inputs, opset: opset, subgraphRunner: noSubgraphs)
        guard let outs = try? kernel(ctx) else { return nil }
        func bytes(_ v: Value?) -> Int {
            switch v {
            case .tensor(let t)?: return t.byteCount
            case .sequence(let s)?: return s.reduce(0) { $0 + $1.byteCount }
            case .optional(let o)?: return bytes(o)
            case nil: return 0
            }
        }
        let inBytes = inputs.reduce(0) { $0 + bytes($1) }
        let outBytes = outs.reduce(0) { $0 + bytes($1) }
        if outBytes > 4 * inBytes + Interpreter.foldedExpansionLimit { return nil }
        return outs
    }
}

/// The subgraph runner of nodes that have no subgraph.
let noSubgraphs: (Graph, [Value]) throws -> [Value] = { _, _ in
    throw GraphError("this node has no subgraph to run")
}

extension ExecutionPlan {
    /// Fills each step's release list: a slot is freed after its last reader, or right after
    /// the step that produces it when nothing reads it; kept values and constants never are.
    static func computeReleases(_ plan: ExecutionPlan, keep: Set<Int>, implicitReads: (Step) -> [Int]) {
        var lastUse = [Int](repeating: -1, count: plan.slotCount)
        var constant = [Bool](repeating: false, count: plan.slotCount)
        for c in plan.constants { constant[c.slot] = true }
        for (k, step) in plan.steps.enumerated() where !step.folded {
            for s in step.outputs where s >= 0 { lastUse[s] = max(lastUse[s], k) }
            for e in step.epilogues {
                for s in e.inputs where s >= 0 { lastUse[s] = max(lastUse[s], k) }
                if e.output >= 0 { lastUse[e.output] = max(lastUse[e.output], k) }
                if e.extraOutput >= 0 { lastUse[e.extraOutput] = max(lastUse[e.extraOutput], k) }
            }
            for s in step.inputs where s >= 0 { lastUse[s] = k }
            for s in implicitReads(step) { lastUse[s] = k }
        }
        var releases = [[Int]](repeating: [], count: plan.steps.count)
        for s in 0..<plan.slotCount where lastUse[s] >= 0 && !keep.contains(s) && !constant[s] {
            releases[lastUse[s]].append(s)
        }
        for k in plan.steps.indices { plan.steps[k].release = releases[k] }
    }
}
