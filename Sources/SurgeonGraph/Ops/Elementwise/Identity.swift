import SurgeonTensor

/// Identity: passes its input through unchanged (a tensor, a sequence or an optional).
enum Identity {
    static func register(_ r: inout OpRegistry) {
        r.register("Identity", since: 1) { ctx in
            guard let v = ctx.value(0) else { throw ctx.error("needs input 1, which is missing") }
            return [v]
        }
    }
}
