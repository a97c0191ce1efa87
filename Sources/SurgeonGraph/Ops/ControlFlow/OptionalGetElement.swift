import SurgeonTensor

/// OptionalGetElement: the value inside an optional; a plain tensor or sequence (opset 18+)
/// passes through. An empty optional is an error.
enum OptionalGetElement {
    static func register(_ r: inout OpRegistry) {
        r.register("OptionalGetElement", since: 15) { ctx in
            switch ctx.value(0) {
            case nil: throw ctx.error("needs an input")
            case .optional(nil)?: throw ctx.error("the optional input is empty")
            case .optional(let inner?)?: return [inner]
            case let v?: return [v]
            }
        }
    }
}
