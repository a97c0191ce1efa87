import SurgeonTensor

/// Cast: converts to the element type of attribute `to` (numpy `astype` semantics: floats round
/// to nearest even, floats to integers truncate, numbers to strings and back). Opsets 1-5 name
/// the type as a string. `saturate` (opset 19) decides whether out-of-range values become the
/// largest finite float8 value or inf/NaN; `round_mode` (opset 24) is the float8e8m0 rounding.
enum Cast {
    static func register(_ r: inout OpRegistry) {
        r.register("Cast", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let (saturate, rounding) = try narrowFloatOptions(ctx)
            return [.tensor(try x.cast(to: targetType(ctx), saturate: saturate, e8m0Rounding: rounding))]
        }
    }

    /// Cast's `saturate` and `round_mode` attributes (also read by CastLike).
    static func narrowFloatOptions(_ ctx: OpContext) throws -> (Bool, E8M0Rounding) {
        let saturate = try ctx.int("saturate", 1) != 0
        let mode = try ctx.string("round_mode", "up")
        guard let rounding = E8M0Rounding(rawValue: mode) else {
            throw ctx.error("round_mode must be 'up', 'down' or 'nearest', got '\(mode)'")
        }
        return (saturate, rounding)
    }

    static func targetType(_ ctx: OpContext) throws -> DType {
        if case .string(let name)? = ctx.node.attribute("to") {
            guard let d = onnxTypeName(name) else { throw ctx.error("unsupported target type '\(name)'") }
            return d
        }
        guard ctx.has("to") else { throw ctx.error("needs the attribute 'to'") }
        return try ctx.dtype("to", .float32)
    }

    /// ONNX TensorProto type names as opsets 1-5 spell them ("FLOAT", "INT64", ...).
    static func onnxTypeName(_ name: String) -> DType? {
        switch name.uppercased() {
        case "FLOAT": return .float32
        case "DOUBLE": return .float64
        case "FLOAT16": return .float16
        case "BFLOAT16": return .bfloat16
        case "INT8": return .int8
        case "INT16": return .int16
        case "INT32": return .int32
        case "INT64": return .int64
        case "UINT8": return .uint8
        case "UINT16": return .uint16
        case "UINT32": return .uint32
        case "UINT64": return .uint64
        case "BOOL": return .bool
        case "STRING": return .string
        default: return DType(name: name)
        }
    }
}
