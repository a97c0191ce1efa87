/// A kernel: computes a node's outputs from its context.
public typealias Kernel = @Sendable (OpContext) throws -> [Value]

/// Kernels keyed by (domain, op type), each valid from an opset version on; the one chosen for
/// a model is the newest whose version is at most the model's opset for that domain.
public struct OpRegistry: Sendable {
    struct Entry: Sendable {
        let since: Int
        let kernel: Kernel
    }

    private var table: [String: [Entry]] = [:]

    /// The newest ai.onnx opset this build follows (ONNX 1.23). A model importing a newer one
    /// may rely on semantics no kernel here implements, so it is refused at run time.
    public static let newestOpset = 28

    public init() {}

    private static func key(_ domain: String, _ op: String) -> String {
        (domain == "ai.onnx" ? "" : domain) + "::" + op
    }

    /// Registers `kernel` for `op` from opset `since` (until a later registration takes over).
    public mutating func register(_ op: String, domain: String = "", since: Int = 1, _ kernel: @escaping Kernel) {
        // In place, one hash lookup: building `standard` (433 kernels) is part of the first
        // `load` of a process, which asks whether the model can run.
        func add(to entries: inout [Entry]) {
            entries.removeAll { $0.since == since }
            let inOrder = entries.last.map { $0.since < since } ?? true
            entries.append(Entry(since: since, kernel: kernel))
            if !inOrder { entries.sort { $0.since < $1.since } }
        }
        add(to: &table[OpRegistry.key(domain, op), default: []])
    }

    /// The kernel for `op` at `opset`, or nil.
    public func kernel(domain: String, op: String, opset: Int) -> Kernel? {
        guard let entries = table[OpRegistry.key(domain, op)] else { return nil }
        return entries.last(where: { $0.since <= opset })?.kernel
    }

    public func supports(domain: String, op: String) -> Bool { table[OpRegistry.key(domain, op)] != nil }

    /// Every registered "domain::op".
    public var registeredOps: [String] { table.keys.sorted() }

    /// Every kernel this build has.
    public static let standard: OpRegistry = {
        var r = OpRegistry()
        r.table.reserveCapacity(512)
        registerStandardOps(&r)
        return r
    }()
}
