import SurgeonTensor

/// SequenceMap: runs `body` once per element of the input sequence; further inputs that are
/// sequences (of the same length) contribute their i-th element, tensors are passed whole.
/// Each body output becomes an output sequence.
enum SequenceMap {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceMap", since: 17) { ctx in
            let body = try ctx.graph("body")
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            let seq = try v.asSequence()
            var extras: [Value] = []
            for i in 1..<max(1, ctx.inputCount) {
                guard let e = ctx.value(i) else { throw ctx.error("input \(i + 1) is omitted") }
                if case .sequence(let s) = e, s.count != seq.count {
                    throw ctx.error("input sequences have lengths \(seq.count) and \(s.count)")
                }
                extras.append(e)
            }
            guard body.inputs.count == 1 + extras.count else {
                throw ctx.error("the body takes \(body.inputs.count) inputs, the node gives \(1 + extras.count)")
            }
            var outputs = [[Tensor]](repeating: [], count: body.outputs.count)
            for (i, item) in seq.enumerated() {
                var args: [Value] = [.tensor(item)]
                for e in extras {
                    if case .sequence(let s) = e { args.append(.tensor(s[i])) } else { args.append(e) }
                }
                let outs = try ctx.runSubgraph(body, inputs: args)
                guard outs.count == outputs.count else { throw ctx.error("the body returned \(outs.count) values") }
                for (j, o) in outs.enumerated() { outputs[j].append(try o.asTensor()) }
            }
            return outputs.map { .sequence($0) }
        }
    }
}
