import SurgeonTensor

/// StringConcat: element-wise `X + Y` of two string tensors, with numpy broadcasting.
enum StringConcat {
    static func register(_ r: inout OpRegistry) {
        r.register("StringConcat", since: 20) { ctx in
            let a = try ctx.tensor(0), b = try ctx.tensor(1)
            guard a.dtype == .string, b.dtype == .string else {
                throw ctx.error("needs string inputs, got \(a.dtype) and \(b.dtype)")
            }
            let shape = try broadcastShapes([a.shape, b.shape])
            let x = try a.broadcast(to: shape).strings, y = try b.broadcast(to: shape).strings
            return [.tensor(Tensor(shape: shape, strings: zip(x, y).map { $0 + $1 }))]
        }
    }
}
