import SurgeonTensor

/// SequenceEmpty: an empty sequence (the `dtype` attribute only types it).
enum SequenceEmpty {
    static func register(_ r: inout OpRegistry) {
        r.register("SequenceEmpty", since: 11) { ctx in
            _ = try ctx.dtype("dtype", .float32)
            return [.sequence([])]
        }
    }
}
