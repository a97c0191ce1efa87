import SurgeonTensor

/// SequenceLength: the number of elements, as an int64 scalar.
enum SequenceLength {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceLength", since: 11) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs an input sequence") }
            return [.tensor(Tensor(scalar: Int64(try v.asSequence().count)))]
        }
    }
}
