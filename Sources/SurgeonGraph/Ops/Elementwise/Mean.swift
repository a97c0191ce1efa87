import SurgeonTensor

/// Mean: elementwise mean of one or more float tensors, all broadcast together.
enum Mean {
    static func register(_ r: inout OpRegistry) {
        r.register("Mean", since: 1) { ctx in
            let dtype = try ctx.tensor(0).dtype
            guard dtype.isFloatingPoint else { throw ctx.error("needs floating-point tensors, got \(dtype)") }
            let n = ctx.inputCount
            let sum = try Sum.sumInputs(ctx, "Mean")
            let mean = try unaryFloat(sum.cast(to: dtype == .float64 ? .float64 : .float32), "Mean",
                                      { $0 / Float(n) }, { $0 / Double(n) })
            return [.tensor(try mean.cast(to: dtype))]
        }
    }
}
