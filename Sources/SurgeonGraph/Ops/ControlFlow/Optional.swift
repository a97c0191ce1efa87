import SurgeonTensor

/// Optional: wraps its input (tensor or sequence) in an optional, or makes an empty optional
/// when the input is omitted (the `type` attribute then types it).
enum OptionalOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Optional", since: 15) { ctx in
            switch ctx.value(0) {
            case nil: return [.optional(nil)]
            case .optional(let inner)?: return [.optional(inner)]
            case let v?: return [.optional(v)]
            }
        }
    }
}
