import SurgeonTensor

/// A runtime value flowing along a graph edge: a tensor, a sequence of tensors, or an optional.
///
/// Only `optional` is boxed (it nests a Value); a tensor or sequence is stored inline, so
/// wrapping a kernel's result allocates nothing.
public enum Value: Sendable {
    case tensor(Tensor)
    case sequence([Tensor])
    indirect case optional(Value?)

    /// The tensor inside, or a message naming what it is instead.
    public func asTensor() throws -> Tensor {
        switch self {
        case .tensor(let t): return t
        case .optional(.some(let v)): return try v.asTensor()
        case .sequence: throw GraphError("expected a tensor, got a sequence")
        case .optional(.none): throw GraphError("expected a tensor, got an empty optional")
        }
    }

    public func asSequence() throws -> [Tensor] {
        switch self {
        case .sequence(let s): return s
        case .optional(.some(let v)): return try v.asSequence()
        default: throw GraphError("expected a sequence, got \(kindDescription)")
        }
    }

    public var kindDescription: String {
        switch self {
        case .tensor(let t): return t.typeDescription
        case .sequence(let s): return "sequence of \(s.count)"
        case .optional(let o): return o == nil ? "empty optional" : "optional"
        }
    }
}

/// Errors from graph building, loading and running; the message is meant for the user.
public struct GraphError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
