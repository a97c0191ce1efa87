import SurgeonTensor

/// Concat: joins tensors along `axis` (default 1 before opset 4; negative from opset 11).
enum Concat {
    static func register(_ r: inout OpRegistry) {
        r.register("Concat", since: 1) { ctx in
            var parts: [Tensor] = []
            for i in 0..<ctx.inputCount { if let t = try ctx.optionalTensor(i) { parts.append(t) } }
            guard let first = parts.first else { throw ctx.error("needs at least one input") }
            let axisAttr: Int
            if let a = try ctx.intIfPresent("axis") { axisAttr = a } else if ctx.opset < 4 { axisAttr = 1 } else {
                throw ctx.error("attribute 'axis' is required")
            }
            let axis = try normalizeAxis(axisAttr, rank: max(first.rank, 1), op: "Concat")
            guard first.rank >= 1 else { throw ctx.error("cannot concatenate scalars") }
            if parts.count == 1 { return [.tensor(first)] }
            return [.tensor(try Tensor.concat(parts, axis: axis))]
        }
    }
}
