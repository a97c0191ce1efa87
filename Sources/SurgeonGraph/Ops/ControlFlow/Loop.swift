import SurgeonTensor

/// Loop: runs `body` while the trip count `M` (optional) is not reached and the condition
/// (optional) holds. Body inputs: iteration number, condition, N loop-carried values; body
/// outputs: condition, N loop-carried values, K scan outputs. Node outputs: the final
/// loop-carried values (tensors, sequences or optionals), then each scan output stacked along
/// a new axis 0.
enum Loop {
    static func register(_ r: inout OpRegistry) {
        r.register("Loop", since: 1) { ctx in try run(ctx) }
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let body = try ctx.graph("body")
        let tripCount: Int? = try ctx.optionalTensor(0).map { try cfScalarInt($0, "Loop trip count M") }
        let condInput: Bool? = try ctx.optionalTensor(1).map { try cfScalarBool($0, "Loop condition") }
        var carried: [Value] = []
        for i in 2..<max(2, ctx.inputCount) {
            guard let v = ctx.value(i) else { throw ctx.error("loop-carried input \(i + 1) is omitted") }
            carried.append(v)
        }
        let n = carried.count
        guard body.inputs.count == n + 2 else {
            throw ctx.error("the body takes \(body.inputs.count) inputs, expected \(n + 2) (iteration, condition, \(n) loop-carried)")
        }
        guard body.outputs.count >= n + 1 else {
            throw ctx.error("the body has \(body.outputs.count) outputs, expected at least \(n + 1)")
        }
        let k = body.outputs.count - n - 1
        var scans = [[Tensor]](repeating: [], count: k)
        var cond = condInput ?? true
        var iteration = 0
        while cond, tripCount.map({ iteration < $0 }) ?? true {
            let args: [Value] = [.tensor(Tensor(scalar: Int64(iteration))), .tensor(Tensor(scalar: cond))] + carried
            let outs = try ctx.runSubgraph(body, inputs: args)
            guard outs.count == n + 1 + k else { throw ctx.error("the body returned \(outs.count) values") }
            if condInput != nil || tripCount == nil {
                cond = try cfScalarBool(outs[0].asTensor(), "Loop body condition")
            }
            carried = Array(outs[1..<(1 + n)])
            for j in 0..<k {
                scans[j].append(try outs[1 + n + j].asTensor())
            }
            iteration += 1
        }
        var results = carried
        for j in 0..<k {
            if scans[j].isEmpty {
                let declared = body.outputs[1 + n + j].type
                let dims = declared.dims?.compactMap(\.value)
                let shape = [0] + ((dims?.count == declared.dims?.count) ? (dims ?? []) : [])
                results.append(.tensor(try Tensor(zeros: cfDeclaredDType(declared) ?? .float32, shape: shape)))
            } else {
                results.append(.tensor(try cfStack(scans[j])))
            }
        }
        return results
    }
}
