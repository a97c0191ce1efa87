/// Element types, numbered as ONNX's `TensorProto.DataType`.
public enum DType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case string = 8
    case bool = 9
    case float16 = 10
    case float64 = 11
    case uint32 = 12
    case uint64 = 13
    case bfloat16 = 16
    // Narrow types: stored one element per byte (see `packedBits` for the file layout).
    case float8e4m3fn = 17
    case float8e4m3fnuz = 18
    case float8e5m2 = 19
    case float8e5m2fnuz = 20
    case uint4 = 21
    case int4 = 22
    case float4e2m1 = 23
    case float8e8m0 = 24
    case uint2 = 25
    case int2 = 26

    /// Bytes per element in row-major storage (strings are stored out of line).
    public var size: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1,
             .int4, .uint4, .int2, .uint2: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        case .string: return 0
        }
    }

    /// Bits per element in ONNX's packed layout (`raw_data`, `int32_data`, external data) for the
    /// sub-byte types, nil for the others. In memory these still take one byte per element:
    /// int4/int2 as a sign-extended Int8, uint4/uint2 as a UInt8, float4e2m1 as its 4-bit pattern.
    public var packedBits: Int? {
        switch self {
        case .int4, .uint4, .float4e2m1: return 4
        case .int2, .uint2: return 2
        default: return nil
        }
    }

    /// The 8-bit and 4-bit float formats (stored as their bit patterns, computed through float32).
    public var isNarrowFloat: Bool {
        switch self {
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0, .float4e2m1: return true
        default: return false
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return isNarrowFloat
        }
    }

    public var isSignedInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .int4, .int2: return true
        default: return false
        }
    }

    public var isUnsignedInteger: Bool {
        switch self {
        case .uint8, .uint16, .uint32, .uint64, .uint4, .uint2: return true
        default: return false
        }
    }

    public var isInteger: Bool { isSignedInteger || isUnsignedInteger }
    public var isNumeric: Bool { isFloatingPoint || isInteger }

    /// The name users type and see: `float32`, `int64`, `bool`, as numpy and PyTorch spell them.
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .bool: return "bool"
        case .string: return "string"
        case .float8e4m3fn: return "float8e4m3fn"
        case .float8e4m3fnuz: return "float8e4m3fnuz"
        case .float8e5m2: return "float8e5m2"
        case .float8e5m2fnuz: return "float8e5m2fnuz"
        case .float8e8m0: return "float8e8m0"
        case .float4e2m1: return "float4e2m1"
        case .int4: return "int4"
        case .uint4: return "uint4"
        case .int2: return "int2"
        case .uint2: return "uint2"
        }
    }

    /// Parses a user-typed dtype name (`float32`, `float`, `half`, `long`, `int`, ...).
    public init?(name: String) {
        switch name.lowercased() {
        case "float32", "float", "f32": self = .float32
        case "float64", "double", "f64": self = .float64
        case "float16", "half", "f16": self = .float16
        case "bfloat16", "bf16": self = .bfloat16
        case "int8": self = .int8
        case "int16", "short": self = .int16
        case "int32", "int": self = .int32
        case "int64", "long": self = .int64
        case "uint8": self = .uint8
        case "uint16": self = .uint16
        case "uint32": self = .uint32
        case "uint64": self = .uint64
        case "bool": self = .bool
        case "string", "str": self = .string
        case "float8e4m3fn", "float8_e4m3fn": self = .float8e4m3fn
        case "float8e4m3fnuz", "float8_e4m3fnuz": self = .float8e4m3fnuz
        case "float8e5m2", "float8_e5m2": self = .float8e5m2
        case "float8e5m2fnuz", "float8_e5m2fnuz": self = .float8e5m2fnuz
        case "float8e8m0", "float8_e8m0fnu": self = .float8e8m0
        case "float4e2m1", "float4_e2m1fn": self = .float4e2m1
        case "int4": self = .int4
        case "uint4": self = .uint4
        case "int2": self = .int2
        case "uint2": self = .uint2
        default: return nil
        }
    }

    /// ONNX data-type names for the types we do not store, for error messages.
    public static func onnxName(code: Int) -> String {
        if let d = DType(rawValue: code) { return d.description }
        switch code {
        case 0: return "undefined"
        case 14: return "complex64"
        case 15: return "complex128"
        case 27: return "float6e2m3"
        case 28: return "float6e3m2"
        default: return "type \(code)"
        }
    }
}
