import SurgeonTensor

/// One axis of a declared shape.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case known(Int)
    case symbolic(String)
    case unknown

    public var description: String {
        switch self {
        case .known(let n): return String(n)
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }

    public var value: Int? { if case .known(let n) = self { return n } else { return nil } }
}

/// The declared type of a graph value (ONNX TypeProto).
public indirect enum ValueType: Sendable, CustomStringConvertible {
    /// Element type (nil if unknown) and shape (nil if even the rank is unknown).
    case tensor(DType?, [Dim]?)
    case sequence(ValueType)
    case optional(ValueType)
    case map(keyType: Int, ValueType)
    case sparseTensor(DType?, [Dim]?)
    /// An element type this build does not store (complex, float8, ...), by ONNX code.
    case unsupported(Int, [Dim]?)
    case unknown

    /// `float32[1,3,224,224]`, `int64[batch,seq]`, `float32[?]`, `sequence<float32[?]>`.
    public var description: String {
        switch self {
        // Strings only (no key paths, no interpolated values): `load` prints these, and the
        // runtime's first conformance lookup for a generic interpolation or key path scans the
        // whole binary (a twentieth of loading a small model).
        case .tensor(let d, let s): return (d.map { $0.description } ?? "?") + ValueType.shapeText(s)
        case .sparseTensor(let d, let s): return "sparse " + (d.map { $0.description } ?? "?") + ValueType.shapeText(s)
        case .sequence(let e): return "sequence<" + e.description + ">"
        case .optional(let e): return "optional<" + e.description + ">"
        case .map(let k, let v): return "map<" + DType.onnxName(code: k) + "," + v.description + ">"
        case .unsupported(let code, let s): return "\(DType.onnxName(code: code))\(ValueType.shapeText(s))"
        case .unknown: return "?"
        }
    }

    static func shapeText(_ s: [Dim]?) -> String {
        guard let s else { return "[?]" }
        return "[" + s.map { $0.description }.joined(separator: ",") + "]"
    }

    public var dtype: DType? {
        switch self {
        case .tensor(let d, _), .sparseTensor(let d, _): return d
        default: return nil
        }
    }

    public var dims: [Dim]? {
        switch self {
        case .tensor(_, let s), .sparseTensor(_, let s), .unsupported(_, let s): return s
        default: return nil
        }
    }
}

/// A named, typed graph value (input, output or annotated intermediate).
public struct ValueInfo: Sendable {
    public var name: String
    public var type: ValueType
    public var docString: String
    public var metadata: [(String, String)]

    public init(name: String, type: ValueType = .unknown, docString: String = "", metadata: [(String, String)] = []) {
        self.name = name
        self.type = type
        self.docString = docString
        self.metadata = metadata
    }
}
