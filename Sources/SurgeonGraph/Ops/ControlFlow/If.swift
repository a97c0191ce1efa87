import SurgeonTensor

/// If: runs `then_branch` or `else_branch` by a one-element bool condition; the chosen
/// branch's outputs (tensors, sequences or optionals) are the node's outputs.
enum If {
    static func register(_ r: inout OpRegistry) {
        r.register("If", since: 1) { ctx in
            let cond = try cfScalarBool(ctx.tensor(0), "If condition")
            let branch = try ctx.graph(cond ? "then_branch" : "else_branch")
            let outs = try ctx.runSubgraph(branch, inputs: [])
            guard outs.count >= ctx.node.outputs.count else {
                throw ctx.error("the \(cond ? "then" : "else") branch has \(outs.count) outputs, the node \(ctx.node.outputs.count)")
            }
            return outs
        }
    }
}
