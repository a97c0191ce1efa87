import SurgeonTensor

/// Scan: iterates `body` over slices of the scan inputs, threading N state values through.
/// Opset 8: a leading batch axis on every input, scan axis 1, optional `sequence_lens` and
/// `directions`. Opset 9+: no batch axis; `scan_input_axes`/`scan_input_directions` pick how
/// inputs are sliced, `scan_output_axes`/`scan_output_directions` how the per-iteration
/// outputs are stacked.
enum Scan {
    static func register(_ r: inout OpRegistry) {
        r.register("Scan", since: 8) { ctx in try runBatched(ctx) }
        r.register("Scan", since: 9) { ctx in try run9(ctx) }
    }

    /// Splits the node inputs (after `skip` leading ones) into states and scan inputs.
    static func split(_ ctx: OpContext, skip: Int) throws -> (states: [Value], scans: [Tensor], body: Graph) {
        let body = try ctx.graph("body")
        let m = try ctx.int("num_scan_inputs", 0)
        let total = ctx.inputCount - skip
        guard m >= 1, m <= total else { throw ctx.error("num_scan_inputs \(m) does not fit \(total) inputs") }
        var states: [Value] = []
        for i in skip..<(skip + total - m) {
            guard let v = ctx.value(i) else { throw ctx.error("state input \(i + 1) is omitted") }
            states.append(v)
        }
        let scans = try ((skip + total - m)..<ctx.inputCount).map { try ctx.tensor($0) }
        guard body.inputs.count == states.count + m else {
            throw ctx.error("the body takes \(body.inputs.count) inputs, expected \(states.count + m)")
        }
        guard body.outputs.count >= states.count else {
            throw ctx.error("the body has \(body.outputs.count) outputs, fewer than the \(states.count) states")
        }
        return (states, scans, body)
    }

    /// An empty scan output ([0] + declared element shape) for zero iterations.
    static func emptyOutput(_ body: Graph, _ index: Int) throws -> Tensor {
        let declared = body.outputs[index].type
        let dims = declared.dims?.compactMap(\.value) ?? []
        let full = dims.count == (declared.dims?.count ?? -1)
        return try Tensor(zeros: cfDeclaredDType(declared) ?? .float32, shape: [0] + (full ? dims : []))
    }

    static func run9(_ ctx: OpContext) throws -> [Value] {
        let parts = try split(ctx, skip: 0)
        var states = parts.states
        let scans = parts.scans, body = parts.body
        let n = states.count, m = scans.count
        let k = body.outputs.count - n
        let inAxes = try ctx.ints("scan_input_axes") ?? Array(repeating: 0, count: m)
        let inDirs = try ctx.ints("scan_input_directions") ?? Array(repeating: 0, count: m)
        let outAxes = try ctx.ints("scan_output_axes") ?? Array(repeating: 0, count: k)
        let outDirs = try ctx.ints("scan_output_directions") ?? Array(repeating: 0, count: k)
        guard inAxes.count == m, inDirs.count == m, outAxes.count == k, outDirs.count == k else {
            throw ctx.error("scan axes/directions attributes do not match the \(m) scan inputs and \(k) scan outputs")
        }
        var axes: [Int] = []
        var length = -1
        for (i, x) in scans.enumerated() {
            let a = try normalizeAxis(inAxes[i], rank: x.rank, op: "Scan")
            axes.append(a)
            if length < 0 { length = x.shape[a] }
            guard x.shape[a] == length else {
                throw ctx.error("scan inputs have different lengths (\(length) and \(x.shape[a]))")
            }
        }
        var collected = [[Tensor]](repeating: [], count: k)
        for t in 0..<length {
            var args = states
            for (i, x) in scans.enumerated() {
                args.append(.tensor(try cfSelect(x, axis: axes[i], index: inDirs[i] == 1 ? length - 1 - t : t)))
            }
            let outs = try ctx.runSubgraph(body, inputs: args)
            guard outs.count == n + k else { throw ctx.error("the body returned \(outs.count) values") }
            states = Array(outs[0..<n])
            for j in 0..<k { collected[j].append(try outs[n + j].asTensor()) }
        }
        var results = states
        for j in 0..<k {
            var stacked: Tensor
            if collected[j].isEmpty {
                stacked = try emptyOutput(body, n + j)
            } else {
                stacked = try cfStack(outDirs[j] == 1 ? collected[j].reversed() : collected[j])
            }
            let a = try normalizeAxis(outAxes[j], rank: stacked.rank, op: "Scan")
            stacked = try cfMoveAxis0(stacked, to: a)
            results.append(.tensor(stacked))
        }
        return results
    }

    static func runBatched(_ ctx: OpContext) throws -> [Value] {
        let (initial, scans, body) = try split(ctx, skip: 1)
        let n = initial.count, m = scans.count
        let k = body.outputs.count - n
        let dirs = try ctx.ints("directions") ?? Array(repeating: 0, count: m)
        guard dirs.count == m else { throw ctx.error("directions has \(dirs.count) entries for \(m) scan inputs") }
        let stateTensors = try initial.map { try $0.asTensor() }
        guard let x0 = scans.first, x0.rank >= 2 else { throw ctx.error("scan inputs need a batch and a sequence axis") }
        let batch = x0.shape[0], maxLen = x0.shape[1]
        for x in scans where x.rank < 2 || x.shape[0] != batch || x.shape[1] != maxLen {
            throw ctx.error("scan inputs disagree on batch and sequence length")
        }
        for s in stateTensors where s.rank < 1 || s.shape[0] != batch {
            throw ctx.error("state \(s.typeDescription) has no batch axis of \(batch)")
        }
        var lens = Array(repeating: maxLen, count: batch)
        if let sl = try ctx.optionalTensor(0) {
            lens = sl.intArray()
            guard lens.count == batch, lens.allSatisfy({ $0 >= 0 && $0 <= maxLen }) else {
                throw ctx.error("sequence_lens \(lens) does not fit batch \(batch) and length \(maxLen)")
            }
        }
        var finalStates = [[Tensor]](repeating: [], count: n)
        var scanOuts = [[Tensor?]](repeating: [], count: k)
        for b in 0..<batch {
            var states: [Value] = try stateTensors.map { .tensor(try cfSelect($0, axis: 0, index: b)) }
            let rows = try scans.map { try cfSelect($0, axis: 0, index: b) }
            let len = lens[b]
            var collected = [[Tensor]](repeating: [], count: k)
            for t in 0..<len {
                var args = states
                for (i, x) in rows.enumerated() {
                    args.append(.tensor(try cfSelect(x, axis: 0, index: dirs[i] == 1 ? len - 1 - t : t)))
                }
                let outs = try ctx.runSubgraph(body, inputs: args)
                guard outs.count == n + k else { throw ctx.error("the body returned \(outs.count) values") }
                states = Array(outs[0..<n])
                for j in 0..<k { collected[j].append(try outs[n + j].asTensor()) }
            }
            for i in 0..<n { finalStates[i].append(try states[i].asTensor()) }
            for j in 0..<k {
                guard let first = collected[j].first else { scanOuts[j].append(nil); continue }
                var parts = collected[j]
                if len < maxLen {
                    let pad = try Tensor(zeros: first.dtype, shape: first.shape)
                    parts += Array(repeating: pad, count: maxLen - len)
                }
                scanOuts[j].append(try cfStack(parts))
            }
        }
        var results: [Value] = try finalStates.map { .tensor(try cfStack($0)) }
        for j in 0..<k {
            guard let sample = scanOuts[j].compactMap({ $0 }).first else {
                let e = try emptyOutput(body, n + j)
                results.append(.tensor(try Tensor(zeros: e.dtype, shape: [batch, maxLen] + e.shape.dropFirst())))
                continue
            }
            let filler = try Tensor(zeros: sample.dtype, shape: sample.shape)
            results.append(.tensor(try cfStack(scanOuts[j].map { $0 ?? filler })))
        }
        return results
    }
}
