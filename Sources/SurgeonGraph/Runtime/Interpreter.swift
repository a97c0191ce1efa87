import Foundation
import SurgeonTensor

/// What an observer is told after each top-level node runs.
public struct NodeEvent {
    public let index: Int
    public let node: Node
    /// (value name, value) for every output the node produced.
    public let outputs: [(String, Value)]
}

/// Thrown when a run is cancelled between nodes.
public struct RunCancelled: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "cancelled" }
}

/// Runs a model node by node, in topological order. Observers see every node's outputs as
/// they are produced (Inspect is built on this); values are released after their last use.
///
/// The top-level graph is compiled once per set of kept values into an `ExecutionPlan`
/// (integer value slots, kernels looked up, constant nodes computed once, fusions where no
/// one sees the intermediates) that later runs reuse: keep one Interpreter per model.
public final class Interpreter {
    public let model: Model
    public let registry: OpRegistry
    let functions: [String: Function]
    /// Checked between nodes; return true to stop the run with `RunCancelled`.
    public var shouldCancel: (() -> Bool)?
    /// Called between nodes (where `shouldCancel` is checked); a throw stops the run with that error.
    public var checkBetweenNodes: (() throws -> Void)?
    /// Whether plans may fuse nodes (on by default; tests compare both ways). The environment
    /// variable SURGEON_NO_FUSION=1 turns it off, to measure or rule out the fusions.
    public var fusionEnabled = Interpreter.fusionByDefault
    /// Kept chains write their intermediate results with streaming stores once a run has
    /// produced this many bytes (4 MB, twice a core's L2 here): from then on the run's early
    /// results have left the cache, and so will these, so a plain store's read of each line
    /// from memory is wasted; before it (a small model's whole run: bert_qdynamic's 3.7 MB)
    /// everything stays in cache, where plain stores are cheaper (streaming its values cost 4.4%
    /// of its inspect-all run). Tests set 0 to stream every chain.
    var streamKeptAfterBytes = 4 << 20

    /// Read once: building ProcessInfo's environment dictionary per interpreter cost a
    /// noticeable part of loading a small model.
    static let fusionByDefault = getenv("SURGEON_NO_FUSION") == nil

    private let lock = NSLock()
    private var plans: [(keep: [String], observing: Bool, fusing: Bool, plan: ExecutionPlan)] = []
    private var missingOps: [String]?
    /// Held while compiling; guards `foldCache`.
    let compileLock = NSLock()
    /// Outputs of constant top-level nodes by node index (nil: the node could not be folded).
    var foldCache: [Int: [Value]?] = [:]
    /// Transposed copies of large constant MatMul weights by name, shared by every plan
    /// (made on first use; see PlanFusion). Guarded by `compileLock`.
    var transposedWeights: [String: TransposedWeight] = [:]
    /// Packed copies of constant MatMul / Gemm weights by "N:" / "T:" (transposed) + name,
    /// shared by every plan (made on first use; see PlanPackedWeights). Guarded by `compileLock`.
    var packedWeights: [String: PackedWeight] = [:]
    /// Live-tap slices / tap-regrouped copies of constant Conv weights by name, shared by every
    /// plan (made on first use; see PlanConvTapWeights). Guarded by `compileLock`.
    var convTapWeights: [String: ConvTapWeights] = [:]
    /// Packed copies of constant LSTM / GRU / RNN weights by "W:" / "R:" + name, shared by every
    /// plan (made on first use; see PlanRecurrentWeights). Guarded by `compileLock`.
    var recurrentWeights: [String: RecurrentWeight] = [:]
    /// Packed transposes of constant int8 MatMulInteger weights by name, shared by every plan
    /// (made on first use; see PlanIntegerMatMul). Guarded by `compileLock`.
    var integerMatMulWeights: [String: IntegerMatMulWeight] = [:]

    public init(model: Model, registry: OpRegistry = .standard) {
        self.model = model
        self.registry = registry
        var f: [String: Function] = [:]
        for fn in model.functions { f[Interpreter.functionKey(fn.domain, fn.name, fn.overload)] = fn }
        functions = f
    }

    static func functionKey(_ domain: String, _ name: String, _ overload: String) -> String {
        (domain == "ai.onnx" ? "" : domain) + "::" + name + "::" + overload
    }

    func function(for n: Node) -> Function? {
        if functions.isEmpty { return nil }
        return functions[Interpreter.functionKey(n.domain, n.opType, n.overload)]
    }

    /// Ops of the top-level graph (and its subgraphs) that this build cannot run, as
    /// "domain op (opset N)" strings.
    public func unsupportedOps() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        if let missingOps { return missingOps }
        let m = findUnsupportedOps()
        missingOps = m
        return m
    }

    private func findUnsupportedOps() -> [String] {
        var missing: [String] = []
        var seen = Set<String>()
        var visitedFunctions = Set<String>()
        func visit(_ nodes: [Node], _ opsets: [String: Int]) {
            for n in nodes {
                let key = n.domain + "::" + n.opType
                if let fn = function(for: n) {
                    let fk = Interpreter.functionKey(fn.domain, fn.name, fn.overload)
                    if !visitedFunctions.contains(fk) {
                        visitedFunctions.insert(fk)
                        var fnOpsets = opsets
                        for (k, v) in fn.opsetImports { fnOpsets[k] = v }
                        visit(fn.nodes, fnOpsets)
                    }
                    continue
                }
                if registry.kernel(domain: n.domain, op: n.opType, opset: opset(n.domain, opsets)) == nil,
                   !seen.contains(key) {
                    seen.insert(key)
                    let dom = n.domain.isEmpty ? "ai.onnx" : n.domain
                    missing.append("\(n.opType) (domain \(dom), opset \(opset(n.domain, opsets)))")
                }
                for a in n.attributes {
                    if case .graph(let sg) = a.value { visit(sg.nodes, opsets) }
                    if case .graphs(let sgs) = a.value { sgs.forEach { visit($0.nodes, opsets) } }
                }
            }
        }
        visit(model.graph.nodes, model.opsetImports)
        return missing
    }

    /// Why `run` would fail before computing anything (an ai.onnx opset newer than this build,
    /// ops without a kernel, each with its domain and opset), or nil.
    public func cannotRunReason() -> String? {
        if model.opset > OpRegistry.newestOpset {
            return "the model imports ai.onnx opset \(model.opset), newer than this build knows (up to \(OpRegistry.newestOpset))"
        }
        let missing = unsupportedOps()
        return missing.isEmpty ? nil : "no kernel for \(missing.joined(separator: ", "))"
    }

    func opset(_ domain: String, _ opsets: [String: Int]) -> Int {
        if domain.isEmpty || domain == "ai.onnx" { return opsets[""] ?? opsets["ai.onnx"] ?? 1 }
        return opsets[domain] ?? 1
    }

    /// The plan for runs keeping `keep`, compiled on first use. A few are cached (plain runs,
    /// an inspect set, profiling).
    func plan(keep: [String], observing: Bool) throws -> ExecutionPlan {
        let fusing = fusionEnabled
        lock.lock()
        if let hit = plans.firstIndex(where: { $0.observing == observing && $0.fusing == fusing && $0.keep == keep }) {
            let p = plans[hit].plan
            if hit != plans.count - 1 { plans.append(plans.remove(at: hit)) }
            lock.unlock()
            return p
        }
        lock.unlock()
        let p = try compilePlan(keep: keep, observing: observing || !fusing)
        lock.lock()
        plans.append((keep, observing, fusing, p))
        if plans.count > 4 { plans.removeFirst() }
        lock.unlock()
        return p
    }

    /// Whether a plan for runs keeping `keep` (observed or not) is compiled (for tests).
    func hasCompiledPlan(keep: [String], observing: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return plans.contains { $0.observing == observing && $0.keep == keep }
    }

    /// Drops compiled plans (and the constants they computed).
    public func clearPlans() {
        lock.lock()
        plans.removeAll()
        lock.unlock()
        compileLock.lock()
        foldCache.removeAll()
        transposedWeights.removeAll()
        packedWeights.removeAll()
        convTapWeights.removeAll()
        recurrentWeights.removeAll()
        integerMatMulWeights.removeAll()
        compileLock.unlock()
    }

    /// The box kept in `boxes` under `key`, made on first use (under `compileLock`).
    func weightBox<Box>(_ boxes: ReferenceWritableKeyPath<Interpreter, [String: Box]>, _ key: String,
                        _ make: () -> Box) -> Box {
        if let box = self[keyPath: boxes][key] { return box }
        let box = make()
        self[keyPath: boxes][key] = box
        return box
    }

    /// Runs the model.
    /// - Parameters:
    ///   - feeds: values for graph inputs (initializer-backed inputs may be omitted).
    ///   - outputs: which values to return; nil means the graph outputs.
    ///   - observer: called after each top-level node with its outputs.
    /// - Returns: the requested values by name.
    public func run(
        feeds: [String: Value], outputs requested: [String]? = nil,
        observer: ((NodeEvent) -> Void)? = nil
    ) throws -> [String: Value] {
        if let why = cannotRunReason() { throw GraphError("cannot run: \(why)") }
        let wanted = requested ?? model.graph.outputs.map(\.name)
        let plan = try self.plan(keep: wanted, observing: observer != nil)
        if plan.carvesSmallValues {
            return try ValueSlab().withCurrent { try execute(plan: plan, feeds: feeds, observer: observer) }
        }
        return try execute(plan: plan, feeds: feeds, observer: observer)
    }

    /// Between nodes: cancellation and the caller's check.
    @inline(__always)
    func betweenNodes() throws {
        if let shouldCancel, shouldCancel() { throw RunCancelled() }
        if let checkBetweenNodes { try checkBetweenNodes() }
    }

    private func execute(plan: ExecutionPlan, feeds: [String: Value], observer: ((NodeEvent) -> Void)?) throws -> [String: Value] {
        let values = UnsafeMutablePointer<Value?>.allocate(capacity: max(plan.slotCount, 1))
        values.initialize(repeating: nil, count: max(plan.slotCount, 1))
        defer {
            values.deinitialize(count: max(plan.slotCount, 1))
            values.deallocate()
        }
        for c in plan.constants { values[c.slot] = c.value }
        for d in plan.defaults { values[d.slot] = d.value }
        for inp in plan.requiredInputs {
            guard let v = feeds[inp.name] else {
                throw GraphError("input '\(inp.name)' (\(inp.type)) was not given")
            }
            values[inp.slot] = v
        }
        for inp in plan.optionalInputs { if let v = feeds[inp.name] { values[inp.slot] = v } }
        let opsets = model.opsetImports
        // Subgraphs (If, Loop, Scan) read enclosing values by name through this scope.
        let root: Scope? = plan.hasSubgraphSteps ? Scope(parent: nil) { name in
            plan.slotOfName[name].flatMap { values[$0] }
        } : nil
        let nodes = model.graph.nodes
        var inputs: [Value?] = []
        // Bytes the steps have written so far in this run (`streamKeptAfterBytes`), counted
        // only when a kept chain may stream.
        var producedBytes = 0
        let countsBytes = plan.hasKeptChains && VectorMath.streamLevel > 0
        // Steps are read in place: copying one (its node, kernel and slot lists) costs a
        // dozen retains and releases per node, which small models feel.
        try plan.steps.withUnsafeBufferPointer { steps in
        for si in steps.indices {
            try betweenNodes()
            if steps[si].folded {
                // Computed at compile time: only reported.
                if let observer {
                    var produced: [(String, Value)] = []
                    for (k, s) in steps[si].outputs.enumerated() where s >= 0 {
                        if let v = values[s] { produced.append((steps[si].node.outputs[k], v)) }
                    }
                    observer(NodeEvent(index: steps[si].nodeIndex, node: nodes[steps[si].nodeIndex], outputs: produced))
                }
                continue
            }
            inputs.removeAll(keepingCapacity: true)
            for (k, s) in steps[si].inputs.enumerated() {
                if s < 0 { inputs.append(nil); continue }
                guard let v = values[s] else {
                    throw GraphError("node '\(steps[si].node.displayName)' reads '\(steps[si].node.inputs[k])', which has no value")
                }
                inputs.append(v)
            }
            var outs: [Value]
            let streamKept = producedBytes >= streamKeptAfterBytes
            // Leading epilogues the kernel applied itself (TileEpilogue.swift).
            var appliedEpilogues = 0
            // Results of the leading kept epilogues, when the kernel wrote them (KeptTileOffer).
            var keptResults: [Value] = []
            if let fn = steps[si].function {
                outs = try runFunction(fn, node: steps[si].node, inputs: inputs, scope: root ?? Scope(parent: nil), opsets: opsets)
            } else if let kernel = steps[si].kernel {
                let runner: (Graph, [Value]) throws -> [Value]
                if steps[si].hasSubgraphs, let root {
                    runner = { [unowned self] sub, args in try self.runSubgraph(sub, args: args, parent: root, opsets: opsets) }
                } else {
                    runner = noSubgraphs
                }
                var ctx = OpContext(nodeBox: steps[si].nodeBox, inputs: inputs, opset: steps[si].opset, subgraphRunner: runner)
                if let te = steps[si].tileEpilogue {
                    let offer = TileEpilogueOffer(te)
                    ctx.tileEpilogue = offer
                    outs = try callKernel(kernel, ctx)
                    if offer.applied { appliedEpilogues = te.count }
                } else if let kt = steps[si].keptTile {
                    let offer = KeptTileOffer(kt, streamed: streamKept)
                    ctx.keptTile = offer
                    outs = try callKernel(kernel, ctx)
                    keptResults = offer.results
                } else {
                    outs = try callKernel(kernel, ctx)
                }
            } else {
                throw GraphError("no kernel for \(steps[si].node.opType)")
            }
            inputs.removeAll(keepingCapacity: true)
            // The bytes this step wrote (its results, and a kept chain's one per epilogue).
            if countsBytes {
                let copies = steps[si].keepsIntermediates ? 1 + steps[si].epilogues.count : 1
                for o in outs { if case .tensor(let t) = o { producedBytes &+= t.byteCount &* copies } }
            }
            if steps[si].epilogues.isEmpty {
                if let observer {
                    var produced: [(String, Value)] = []
                    for (k, s) in steps[si].outputs.enumerated() where s >= 0 && k < outs.count {
                        values[s] = outs[k]
                        produced.append((steps[si].node.outputs[k], outs[k]))
                    }
                    observer(NodeEvent(index: steps[si].nodeIndex, node: nodes[steps[si].nodeIndex], outputs: produced))
                } else {
                    for (k, s) in steps[si].outputs.enumerated() where s >= 0 && k < outs.count { values[s] = outs[k] }
                }
            } else if steps[si].keepsIntermediates {
                for (k, s) in steps[si].outputs.enumerated() where s >= 0 && k < outs.count { values[s] = outs[k] }
                let c = steps[si].chainOutput
                guard c < outs.count else { throw NodeFailure(node: steps[si].node, message: "produced no output") }
                var head = outs[c]
                outs = []
                let es = steps[si].epilogues
                let done = min(keptResults.count, es.count)
                for j in 0..<done { values[es[j].output] = keptResults[j] }
                if done > 0 { head = keptResults[done - 1] }
                keptResults = []
                if done < es.count { try runKeptEpilogues(es[done...], head, values: values, stream: streamKept) }
            } else {
                var y: Value? = outs.first
                outs = []
                if y == nil { throw NodeFailure(node: steps[si].node, message: "produced no output") }
                for e in steps[si].epilogues.dropFirst(appliedEpilogues) { try runEpilogue(e, &y, values: values) }
                if let last = steps[si].epilogues.last { values[last.output] = y }
            }
            for s in steps[si].release { values[s] = nil }
        }
        }
        var result: [String: Value] = [:]
        // Sized once: with `inspect all` every value is returned, and growing the table
        // rehashed it several times per run (a tenth of a small model's run).
        result.reserveCapacity(plan.kept.count)
        for (i, (name, s)) in plan.kept.enumerated() {
            guard s >= 0, values[s] != nil else {
                throw GraphError("output '\(name)' was not computed")
            }
            // Moved out of its slot when no later entry reads it (no retain now, no release when
            // the slots go: with `inspect all`, three of each per value of the model).
            if plan.keptLast[i] {
                result[name] = (values + s).move()
                (values + s).initialize(to: nil)
            } else {
                result[name] = values[s]
            }
        }
        return result
    }

    /// A kernel call, with failures named after the node.
    @inline(__always)
    private func callKernel(_ kernel: Kernel, _ ctx: OpContext) throws -> [Value] {
        do {
            return try kernel(ctx)
        } catch let e as RunCancelled {
            throw e
        } catch let e as NodeFailure {
            throw e
        } catch {
            throw NodeFailure(node: ctx.node, message: "\(error)")
        }
    }

    /// One fused node applied to `y` (taken, replaced by the result): in place when `y` is a
    /// float32 tensor whose buffer no one else holds, else through the node's kernel.
    private func runEpilogue(_ e: Epilogue, _ y: inout Value?, values: UnsafeMutablePointer<Value?>) throws {
        if var owned = Interpreter.takeFloatTensor(&y) {
            let unique = isKnownUniquelyReferenced(&owned.buffer) && !owned.buffer.isBorrowed
            let tensor = Tensor(dtype: .float32, shape: owned.shape, buffer: owned.buffer, byteOffset: owned.byteOffset)
            y = .tensor(tensor)
            if unique && e.applyInPlace(tensor, values: values) { return }
        }
        guard let input = y else { throw NodeFailure(node: e.node, message: "its input has no value") }
        y = nil
        guard let out = try epilogueKernel(e, input, values: values).first else {
            throw NodeFailure(node: e.node, message: "produced no output")
        }
        y = out
    }

    /// Elements per chunk of `runKeptEpilogues` (16 KB of float32: a chunk and its copies stay
    /// in the first cache levels).
    static let keptChunk = 4096

    /// The shortest chunk of `runKeptEpilogues` whose intermediate results are written with
    /// streaming stores (1 KB: whole cache lines but for the two ends).
    static let streamedChunk = 256

    /// The epilogues of a step whose intermediates are kept (`Step.keepsIntermediates`): each
    /// result in a new tensor, stored in its slot. When each of them applies to `head`'s
    /// float32 tensor (`Epilogue.inPlaceOperand`), all run chunk by chunk, each chunk computed
    /// from the previous result's while it is in cache: one pass over memory
    /// instead of one per node, with no kernel call per node. Otherwise each node's kernel runs.
    private func runKeptEpilogues(_ epilogues: ArraySlice<Epilogue>, _ head: Value, values: UnsafeMutablePointer<Value?>,
                                  stream: Bool) throws {
        // An int32 head is converted by a leading `.castInt32` (and only then); the operands are
        // checked against its float32 result (same shape).
        let castHead: Bool
        if let first = epilogues.first, case .castInt32 = first.inPlace { castHead = true } else { castHead = false }
        if case .tensor(let t) = head, castHead ? t.dtype == .int32 : t.dtype == .float32,
           !epilogues.dropFirst().contains(where: { if case .castInt32 = $0.inPlace { return true }; return false }) {
            let y = castHead ? Tensor(dtype: .float32, shape: t.shape, buffer: t.buffer, byteOffset: t.byteOffset) : t
            var operands: [Epilogue.Operand] = []
            operands.reserveCapacity(epilogues.count)
            let n = y.count
            // Chunks lie within runs of `unit` elements (a channel operand's runs, else all of
            // y) and hold whole rows (a row operand is y's last extent, so all rows are alike).
            var row = 1, unit = n
            for e in epilogues {
                guard let o = e.inPlaceOperand(for: y, values: values, channels: true) else { break }
                if case .other(let t) = o, t.count > 1, t.count < n { row = t.count }
                if case .channel(_, let inner, _) = o {
                    guard unit == n || unit == inner else { break }
                    unit = inner
                }
                operands.append(o)
            }
            if operands.count == epilogues.count, n > 0, unit > 0, unit % row == 0 {
                // Every result in one allocation (one malloc instead of one or two per node: with
                // `inspect all` they all live until the run ends, so nothing is recycled), each
                // at a 64-byte boundary: per epilogue its float32 tensor, then a pair's integers.
                let floatBytes = (n * 4 + 63) & ~63, intBytes = (n + 63) & ~63
                var total = 0
                for e in epilogues {
                    total += floatBytes
                    if case .quantizePair = e.inPlace { total += intBytes }
                }
                let buffer = TensorBuffer(uninitializedByteCount: try Tensor.checkedCount([total], dtype: .uint8))
                let base = buffer.pointer
                let src = UnsafePointer(y.rawPointer.assumingMemoryBound(to: Float.self))
                let chunk = min(unit, row > 1 ? max(1, Interpreter.keptChunk / row) * row : Interpreter.keptChunk)
                let perUnit = (unit + chunk - 1) / chunk
                let chunks = (n / unit) * perUnit
                // Plain values for the loop: copying an Epilogue or binding an operand's tensor
                // retains and releases (per chunk and epilogue, a few percent of a CNN's run).
                let forms = epilogues.map(\.inPlace), views = operands.map(Epilogue.OperandView.init)
                // Results the chain reads again only within the chunk (all but the last, which
                // the next node reads): computed into two scratch chunks in turn and copied out
                // with streaming stores (`VectorMath.streamCopy`), when chunks are long enough
                // for whole cache lines, once the run has left the cache (`streamKeptAfterBytes`).
                let streamed = stream && VectorMath.streamLevel > 0 && chunk >= Interpreter.streamedChunk
                withExtendedLifetime((y, buffer, operands)) {
                    forms.withUnsafeBufferPointer { es in
                        parallelItems(chunks, costPerItem: chunk * es.count) { c in
                            let start = (c % perUnit) * chunk
                            let lo = (c / perUnit) * unit + start, m = min(chunk, unit - start)
                            func run(_ scratch: UnsafeMutablePointer<Float>?) {
                                var from = src + lo
                                var offset = 0
                                for j in es.indices {
                                    let to = (base + offset).assumingMemoryBound(to: Float.self) + lo
                                    offset += floatBytes
                                    if case .quantizePair(let fq) = es[j] {
                                        fq.both(from, base + offset + lo, to, m)
                                        offset += intBytes
                                        from = UnsafePointer(to)
                                    } else if let scratch, j < es.count - 1 {
                                        let t = scratch + (j & 1) * chunk
                                        es[j].apply(from: from, to: t, m, offset: lo, total: n, views[j])
                                        VectorMath.streamCopy(to, t, m * 4)
                                        from = UnsafePointer(t)
                                    } else {
                                        es[j].apply(from: from, to: to, m, offset: lo, total: n, views[j])
                                        from = UnsafePointer(to)
                                    }
                                }
                            }
                            if streamed, es.count > 1 {
                                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunk) { run($0.baseAddress) }
                                VectorMath.streamFence()
                            } else {
                                run(nil)
                            }
                        }
                    }
                }
                var offset = 0
                for e in epilogues {
                    values[e.output] = .tensor(Tensor(dtype: .float32, shape: y.shape, buffer: buffer, byteOffset: offset))
                    offset += floatBytes
                    if case .quantizePair(let fq) = e.inPlace {
                        if e.extraOutput >= 0 {
                            values[e.extraOutput] = .tensor(Tensor(dtype: fq.integerType, shape: y.shape, buffer: buffer, byteOffset: offset))
                        }
                        offset += intBytes
                    }
                }
                return
            }
        }
        var y = head
        for e in epilogues {
            let outs = try epilogueKernel(e, y, values: values)
            if e.extraOutput >= 0 {
                // A kept pair's kernel: the integer result, then the float one.
                guard outs.count == 2 else { throw NodeFailure(node: e.node, message: "produced no output") }
                values[e.extraOutput] = outs[0]
                y = outs[1]
            } else {
                guard let out = outs.first else { throw NodeFailure(node: e.node, message: "produced no output") }
                y = out
            }
            values[e.output] = y
        }
    }

    /// An epilogue's node run by its kernel on `input` (the chained value) and its other inputs.
    private func epilogueKernel(_ e: Epilogue, _ input: Value, values: UnsafeMutablePointer<Value?>) throws -> [Value] {
        var inputs: [Value?] = []
        if let g = e.gate {
            // Mul(y, f(y)): the activation first, then the Mul in the node's operand order.
            let gated = try callKernel(g.kernel, OpContext(nodeBox: g.nodeBox, inputs: [input], opset: g.opset, subgraphRunner: noSubgraphs))
            guard let s = gated.first else { throw NodeFailure(node: g.nodeBox.node, message: "produced no output") }
            inputs = e.chainIndex == 0 ? [input, s] : [s, input]
        }
        for (k, s) in e.inputs.enumerated() where e.gate == nil {
            if k == e.chainIndex { inputs.append(input); continue }
            if s < 0 { inputs.append(nil); continue }
            guard let v = values[s] else {
                throw GraphError("node '\(e.node.displayName)' reads '\(e.node.inputs[k])', which has no value")
            }
            inputs.append(v)
        }
        return try callKernel(e.kernel, OpContext(nodeBox: e.nodeBox, inputs: inputs, opset: e.opset, subgraphRunner: noSubgraphs))
    }

    struct OwnedTensor {
        var buffer: TensorBuffer
        let shape: [Int]
        let byteOffset: Int
    }

    /// Moves a float32 tensor out of `v` (left nil) as its parts, so that the caller's
    /// reference to the buffer is the only one this function leaves behind. nil (and `v`
    /// untouched) for anything else.
    @inline(never)
    static func takeFloatTensor(_ v: inout Value?) -> OwnedTensor? {
        guard case .tensor(let t)? = v, t.dtype == .float32 else { return nil }
        v = nil
        return OwnedTensor(buffer: t.buffer, shape: t.shape, byteOffset: t.byteOffset)
    }

    final class Scope {
        var values: [String: Value] = [:]
        let parent: Scope?
        /// For the top-level scope of a compiled run: values held in the plan's slots.
        let outer: ((String) -> Value?)?
        init(parent: Scope?, outer: ((String) -> Value?)? = nil) {
            self.parent = parent
            self.outer = outer
        }
        func lookup(_ name: String) -> Value? {
            if let v = values[name] { return v }
            if let parent { return parent.lookup(name) }
            return outer?(name)
        }
        func contains(_ name: String) -> Bool {
            if values[name] != nil { return true }
            if let parent { return parent.contains(name) }
            return outer?(name) != nil
        }
    }

    private func execute(
        graph g: Graph, scope: Scope, opsets: [String: Int], keep: Set<String>,
        observer: ((NodeEvent) -> Void)?
    ) throws {
        let parent = scope.parent
        let order = try g.executionOrder(isOuter: { parent?.contains($0) ?? false })
        // Last reader of each value, so intermediates are released as soon as possible.
        // What each step reads, computed once: implicit inputs walk the node's subgraphs.
        let reads = order.map { g.nodes[$0].inputs + g.nodes[$0].implicitInputs }
        var lastUse: [String: Int] = [:]
        for (step, names) in reads.enumerated() {
            for name in names { lastUse[name] = step }
        }
        for (step, i) in order.enumerated() {
            try betweenNodes()
            let node = g.nodes[i]
            let outs = try runNode(node, scope: scope, opsets: opsets)
            var produced: [(String, Value)] = []
            for (k, name) in node.outputs.enumerated() where !name.isEmpty && k < outs.count {
                scope.values[name] = outs[k]
                produced.append((name, outs[k]))
            }
            observer?(NodeEvent(index: i, node: node, outputs: produced))
            for name in reads[step] where lastUse[name] == step && !keep.contains(name) {
                if g.initializers[name] == nil { scope.values[name] = nil }
            }
        }
    }

    private func runNode(_ node: Node, scope: Scope, opsets: [String: Int]) throws -> [Value] {
        var inputs: [Value?] = []
        inputs.reserveCapacity(node.inputs.count)
        for name in node.inputs {
            if name.isEmpty { inputs.append(nil); continue }
            guard let v = scope.lookup(name) else {
                throw GraphError("node '\(node.displayName)' reads '\(name)', which has no value")
            }
            inputs.append(v)
        }
        let version = opset(node.domain, opsets)
        if let fn = function(for: node) {
            return try runFunction(fn, node: node, inputs: inputs, scope: scope, opsets: opsets)
        }
        guard let kernel = registry.kernel(domain: node.domain, op: node.opType, opset: version) else {
            let dom = node.domain.isEmpty ? "ai.onnx" : node.domain
            throw GraphError("no kernel for \(node.opType) (domain \(dom), opset \(version))")
        }
        let ctx = OpContext(node: node, inputs: inputs, opset: version) { [unowned self] sub, args in
            try self.runSubgraph(sub, args: args, parent: scope, opsets: opsets)
        }
        return try callKernel(kernel, ctx)
    }

    private func runSubgraph(_ g: Graph, args: [Value], parent: Scope, opsets: [String: Int]) throws -> [Value] {
        // A Loop's iterations make and drop values thousands of times: not from the run's slab.
        try ValueSlab.suspended { try runSubgraphBody(g, args: args, parent: parent, opsets: opsets) }
    }

    private func runSubgraphBody(_ g: Graph, args: [Value], parent: Scope, opsets: [String: Int]) throws -> [Value] {
        let scope = Scope(parent: parent)
        for (k, v) in g.initializers { scope.values[k] = .tensor(v) }
        for (i, inp) in g.inputs.enumerated() where i < args.count {
            scope.values[inp.name] = args[i]
        }
        try execute(graph: g, scope: scope, opsets: opsets, keep: Set(g.outputs.map(\.name)), observer: nil)
        return try g.outputs.map { o in
            guard let v = scope.lookup(o.name) else { throw GraphError("subgraph output '\(o.name)' was not computed") }
            return v
        }
    }

    private func runFunction(_ fn: Function, node: Node, inputs: [Value?], scope: Scope, opsets: [String: Int]) throws -> [Value] {
        // The body's values die with the call: not from the run's slab.
        try ValueSlab.suspended { try runFunctionBody(fn, node: node, inputs: inputs, scope: scope, opsets: opsets) }
    }

    private func runFunctionBody(_ fn: Function, node: Node, inputs: [Value?], scope: Scope, opsets: [String: Int]) throws -> [Value] {
        let inner = Scope(parent: nil)
        var absent = Set<String>()
        for (i, name) in fn.inputs.enumerated() {
            if i < inputs.count, let v = inputs[i] { inner.values[name] = v } else { absent.insert(name) }
        }
        // Attribute values: the caller's, else the function's defaults.
        var attrs: [String: AttributeValue] = [:]
        for a in fn.attributeDefaults { attrs[a.name] = a.value }
        for a in node.attributes { attrs[a.name] = a.value }
        // Omitted optional inputs read as "" (absent); attribute references are filled in,
        // also inside subgraphs of the body.
        func substitute(_ n: Node) -> Node {
            var n = n
            n.inputs = n.inputs.map { absent.contains($0) ? "" : $0 }
            n.attributes = n.attributes.compactMap { a in
                switch a.value {
                case .reference(let ref):
                    guard let v = attrs[ref] else { return nil }
                    return Attribute(name: a.name, value: v)
                case .graph(var g):
                    g.nodes = g.nodes.map(substitute)
                    return Attribute(name: a.name, value: .graph(g))
                case .graphs(let gs):
                    return Attribute(name: a.name, value: .graphs(gs.map { g in var g = g; g.nodes = g.nodes.map(substitute); return g }))
                default:
                    return a
                }
            }
            return n
        }
        let nodes = fn.nodes.map(substitute)
        var fnOpsets = opsets
        for (k, v) in fn.opsetImports { fnOpsets[k] = v }
        let body = Graph(name: fn.name, nodes: nodes, inputs: fn.inputs.map { ValueInfo(name: $0) },
                         outputs: fn.outputs.map { ValueInfo(name: $0) })
        try execute(graph: body, scope: inner, opsets: fnOpsets, keep: Set(fn.outputs), observer: nil)
        return fn.outputs.map { inner.lookup($0) ?? .optional(nil) }
    }
}

/// A kernel failure, naming the node it happened in.
public struct NodeFailure: Error, CustomStringConvertible {
    public let node: Node
    public let message: String
    public var description: String { "node '\(node.displayName)' (\(node.opType)): \(message)" }
}

extension Node {
    /// The ONNX node name, or the op type when the node has none.
    public var displayName: String { name.isEmpty ? (outputs.first.map { "\(opType)->\($0)" } ?? opType) : name }
}
