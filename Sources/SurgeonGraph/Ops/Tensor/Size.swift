import SurgeonTensor

/// Size: the input's element count as an int64 scalar.
enum Size {
    static func register(_ r: inout OpRegistry) {
        r.register("Size", since: 1) { ctx in
            [.tensor(Tensor(scalar: Int64(try ctx.tensor(0).count)))]
        }
    }
}
