import SurgeonTensor

/// SequenceConstruct: a sequence of the input tensors (all of one element type).
enum SequenceConstruct {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceConstruct", since: 11) { ctx in
            let items = try (0..<ctx.inputCount).map { try ctx.tensor($0) }
            if let first = items.first, let odd = items.first(where: { $0.dtype != first.dtype }) {
                throw ctx.error("elements of \(first.dtype) and \(odd.dtype) cannot share a sequence")
            }
            return [.sequence(items)]
        }
    }
}
