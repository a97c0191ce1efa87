import SurgeonTensor

/// OptionalHasElement: whether the input holds a value. A plain tensor or sequence counts as
/// present; an empty optional or (opset 18+) an omitted input as absent.
enum OptionalHasElement {
    static func register(_ r: inout OpRegistry) {
        r.register("OptionalHasElement", since: 15) { ctx in
            let present: Bool
            switch ctx.value(0) {
            case nil: present = false
            case .optional(let inner)?: present = inner != nil
            case .tensor?, .sequence?: present = true
            }
            return [.tensor(Tensor(scalar: present))]
        }
    }
}
