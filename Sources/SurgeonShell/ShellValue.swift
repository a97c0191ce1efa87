import SurgeonGraph
import SurgeonTensor

/// A value in the shell: a tensor, the results of a run, a string, a tuple.
public indirect enum ShellValue {
    /// `weak` marks a Python-style scalar literal, which takes the other operand's dtype.
    case tensor(Tensor, weak: Bool)
    case results(RunResults)
    case string(String)
    case tuple([ShellValue])
    case sequence([Tensor])
    case dtype(DType)
    /// A Python bool (what `allclose` returns).
    case bool(Bool)
    case none

    public static func t(_ x: Tensor) -> ShellValue { .tensor(x, weak: false) }
}

/// The values one `run` produced, in print order: the model outputs (when kept), then the
/// inspected layers/nodes by label.
public struct RunResults {
    public var model: String
    public var entries: [(label: String, value: Value)]
    /// Extra lookup names (ONNX value names) for entries, by entry index.
    public var aliases: [String: Int]

    public init(model: String, entries: [(label: String, value: Value)] = [], aliases: [String: Int] = [:]) {
        self.model = model
        self.entries = entries
        self.aliases = aliases
    }

    public func lookup(_ name: String) -> Value? {
        if let e = entries.first(where: { $0.label == name }) { return e.value }
        if let i = aliases[name], i < entries.count { return entries[i].value }
        return nil
    }

    public var names: [String] { entries.map(\.label) }
}
