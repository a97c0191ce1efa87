import SurgeonTensor

/// Constant: a tensor from exactly one of the attributes `value`, `sparse_value` (densified at
/// import), `value_float(s)`, `value_int(s)`, `value_string(s)` (the scalar/list forms from opset 12).
enum Constant {
    static func register(_ r: inout OpRegistry) {
        r.register("Constant", since: 1) { ctx in [.tensor(try value(ctx))] }
    }

    static func value(_ ctx: OpContext) throws -> Tensor {
        let names = ["value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints",
                     "value_string", "value_strings"].filter { ctx.has($0) }
        guard names.count == 1, let name = names.first else {
            throw ctx.error("needs exactly one value attribute, got \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        switch name {
        case "value", "sparse_value":
            guard let t = try ctx.tensorAttribute(name) else { throw ctx.error("attribute '\(name)' is missing") }
            return t
        case "value_float": return Tensor(scalar: try ctx.float(name, 0))
        case "value_floats":
            let v = try ctx.floats(name) ?? []
            return try Tensor(shape: [v.count], scalars: v)
        case "value_int": return Tensor(scalar: Int64(try ctx.int(name, 0)))
        case "value_ints":
            let v = try ctx.ints(name) ?? []
            return try Tensor(ints: v)
        case "value_string": return Tensor(shape: [], strings: [try ctx.string(name, "")])
        default:
            let v = try ctx.strings(name) ?? []
            return Tensor(shape: [v.count], strings: v)
        }
    }
}
