import SurgeonTensor

/// Sum: elementwise sum of one or more tensors, all broadcast together. float16/bfloat16 inputs
/// accumulate in float32 and round once at the end.
enum Sum {
    static func register(_ r: inout OpRegistry) {
        r.register("Sum", since: 1) { ctx in
            [.tensor(try sumInputs(ctx, "Sum"))]
        }
    }

    /// The broadcast sum of every input, in the inputs' dtype.
    static func sumInputs(_ ctx: OpContext, _ name: String) throws -> Tensor {
        let dtype = try ctx.tensor(0).dtype
        let wide = dtype.computeClass == .reducedFloat
        let sum = try foldInputs(ctx) { a, b in
            try binaryNumeric(
                wide ? a.cast(to: .float32) : a, wide ? b.cast(to: .float32) : b, name,
                float: { $0 + $1 }, double: { $0 + $1 }, int: { $0 &+ $1 }, uint: { $0 &+ $1 })
        }
        return try sum.cast(to: dtype)
    }
}
