import SurgeonTensor

/// LabelEncoder (ai.onnx.ml): maps each element through a key → value table, with a default
/// for unknown keys. Opset 1: `classes_strings` (string → index, or index → string);
/// opset 2: `keys_*`/`values_*` lists; opset 4 adds `keys_tensor`/`values_tensor`/`default_tensor`.
enum LabelEncoder {
    static func register(_ r: inout OpRegistry) {
        r.register("LabelEncoder", domain: "ai.onnx.ml", since: 1) { ctx in try runV1(ctx) }
        r.register("LabelEncoder", domain: "ai.onnx.ml", since: 2) { ctx in try run(ctx) }
    }

    enum Key: Hashable {
        case string(String)
        case int(Int64)
        case float(UInt64)

        static func of(_ d: Double) -> Key {
            if d.isNaN { return .float(Double.nan.bitPattern) }
            return .float((d == 0 ? 0.0 : d).bitPattern)
        }
    }

    enum KeyKind { case string, int, float }

    static func keys(of x: Tensor, as kind: KeyKind) throws -> [Key] {
        switch kind {
        case .string:
            guard x.dtype == .string else { throw TensorError("keys are strings, the input is \(x.dtype)") }
            return x.strings.map { .string($0) }
        case .int:
            guard x.dtype.isInteger else { throw TensorError("keys are integers, the input is \(x.dtype)") }
            return x.int64Array().map { .int($0) }
        case .float:
            guard x.dtype.isFloatingPoint else { throw TensorError("keys are floats, the input is \(x.dtype)") }
            return x.doubleArray().map { Key.of($0) }
        }
    }

    /// Looks every input element up; `values` gets `fallback` appended as its last entry.
    static func lookup(_ x: Tensor, keys: [Key], kind: KeyKind, values: Tensor, fallback: Tensor) throws -> Tensor {
        guard keys.count == values.count else {
            throw TensorError("\(keys.count) keys but \(values.count) values")
        }
        var table: [Key: Int] = [:]
        for (i, k) in keys.enumerated() where table[k] == nil { table[k] = i }
        let all = try Tensor.concat([values.reshaped([values.count]), fallback.cast(to: values.dtype).reshaped([1])], axis: 0)
        let idx = try Self.keys(of: x, as: kind).map { table[$0] ?? keys.count }
        return try all.take(flatIndices: idx, shape: x.shape)
    }

    static func run(_ ctx: OpContext) throws -> [Value] {
        let x = try ctx.tensor(0)
        var keys: [Key] = []
        var kind = KeyKind.string
        if let k = try ctx.strings("keys_strings") {
            keys = k.map { .string($0) }
        } else if let k = try ctx.ints("keys_int64s") {
            keys = k.map { .int(Int64($0)) }; kind = .int
        } else if let k = try ctx.floats("keys_floats") {
            keys = k.map { Key.of(Double($0)) }; kind = .float
        } else if let t = try ctx.tensorAttribute("keys_tensor") {
            if t.dtype == .string { keys = t.strings.map { .string($0) } }
            else if t.dtype.isInteger { keys = t.int64Array().map { .int($0) }; kind = .int }
            else if t.dtype.isFloatingPoint { keys = t.doubleArray().map { Key.of($0) }; kind = .float }
            else { throw ctx.error("keys of type \(t.dtype) are not supported") }
        } else {
            throw ctx.error("needs keys (keys_strings, keys_int64s, keys_floats or keys_tensor)")
        }
        let values: Tensor, fallback: Tensor
        if let v = try ctx.strings("values_strings") {
            values = Tensor(shape: [v.count], strings: v)
            fallback = Tensor(shape: [], strings: [try ctx.string("default_string", "_Unused")])
        } else if let v = try ctx.ints("values_int64s") {
            values = try Tensor(ints: v)
            fallback = Tensor(scalar: Int64(try ctx.int("default_int64", -1)))
        } else if let v = try ctx.floats("values_floats") {
            values = try Tensor(shape: [v.count], scalars: v)
            fallback = Tensor(scalar: try ctx.float("default_float", -0.0))
        } else if let v = try ctx.tensorAttribute("values_tensor") {
            values = v
            if let d = try ctx.tensorAttribute("default_tensor") {
                guard d.count == 1 else { throw ctx.error("default_tensor must hold one value") }
                fallback = d
            } else if v.dtype == .string {
                fallback = Tensor(shape: [], strings: ["_Unused"])
            } else if v.dtype.isFloatingPoint {
                fallback = Tensor(scalar: -0.0 as Double)
            } else {
                fallback = Tensor(scalar: Int64(-1))
            }
        } else {
            throw ctx.error("needs values (values_strings, values_int64s, values_floats or values_tensor)")
        }
        return [.tensor(try lookup(x, keys: keys, kind: kind, values: values, fallback: fallback))]
    }

    static func runV1(_ ctx: OpContext) throws -> [Value] {
        let x = try ctx.tensor(0)
        let classes = try ctx.strings("classes_strings") ?? []
        if x.dtype == .string {
            let values = try Tensor(ints: Array(0..<classes.count))
            let fallback = Tensor(scalar: Int64(try ctx.int("default_int64", -1)))
            return [.tensor(try lookup(x, keys: classes.map { .string($0) }, kind: .string, values: values, fallback: fallback))]
        }
        let values = Tensor(shape: [classes.count], strings: classes)
        let fallback = Tensor(shape: [], strings: [try ctx.string("default_string", "_Unused")])
        let keys: [Key] = (0..<classes.count).map { .int(Int64($0)) }
        return [.tensor(try lookup(x, keys: keys, kind: .int, values: values, fallback: fallback))]
    }
}
