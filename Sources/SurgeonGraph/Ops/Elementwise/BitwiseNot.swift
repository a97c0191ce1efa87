import SurgeonTensor

/// BitwiseNot: elementwise bitwise complement of an integer tensor.
enum BitwiseNot {
    static func register(_ r: inout OpRegistry) {
        r.register("BitwiseNot", since: 18) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isInteger else { throw ctx.error("needs an integer tensor, got \(x.dtype)") }
            return [.tensor(try unaryNumeric(x, "BitwiseNot", float: { $0 }, double: { $0 }, int: { ~$0 }, uint: { ~$0 }))]
        }
    }
}
