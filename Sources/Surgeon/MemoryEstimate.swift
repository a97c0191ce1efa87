import SurgeonGraph
import SurgeonTensor

/// The activation memory a run needs at its peak, from static shapes: weights and feeds are
/// already resident, so only node outputs count. Follows the interpreter: nodes in execution
/// order, a value released after its last reader unless the caller keeps it.
public struct MemoryEstimate: Sendable {
    /// Bytes of node outputs alive at the worst point of the run (the known ones).
    public var peakBytes: Int
    /// The node after which the peak is reached.
    public var peakNode: String?
    /// Node outputs whose size is not known statically (their bytes are not in `peakBytes`).
    public var unknownValues: [String]
    /// True when every node output has a known size, so `peakBytes` is the whole estimate.
    public var isComplete: Bool { unknownValues.isEmpty }

    /// - Parameters:
    ///   - feeds: the types of the values given to the run (concrete shapes).
    ///   - keep: values the run returns (outputs, inspected values): never released.
    public init(model: Model, feeds: [String: ValueType], keep: Set<String>) {
        var m = model
        m.graph.inputs = m.graph.inputs.map { info in
            guard let t = feeds[info.name] else { return info }
            var info = info
            info.type = t
            return info
        }
        let types = ShapeInference.infer(m)
        let g = model.graph
        let order = (try? g.executionOrder()) ?? Array(g.nodes.indices)
        let reads = order.map { g.nodes[$0].inputs + g.nodes[$0].implicitInputs }
        var lastUse: [String: Int] = [:]
        for (step, names) in reads.enumerated() { for n in names { lastUse[n] = step } }

        var size: [String: Int] = [:]
        var unknown: [String] = []
        var live = 0, peak = 0
        var peakNode: String?
        for (step, i) in order.enumerated() {
            let node = g.nodes[i]
            for name in node.outputs where !name.isEmpty && size[name] == nil {
                if let b = MemoryEstimate.bytes(types[name]) {
                    size[name] = b
                    let (sum, overflow) = live.addingReportingOverflow(b)
                    live = overflow ? .max : sum
                } else {
                    unknown.append(name)
                }
            }
            if live > peak { peak = live; peakNode = node.displayName }
            for name in Set(reads[step]) where lastUse[name] == step && !keep.contains(name) {
                if let b = size.removeValue(forKey: name) { live -= b }
            }
        }
        peakBytes = peak
        self.peakNode = peakNode
        unknownValues = unknown
    }

    /// Bytes of a tensor type with every dimension known; nil otherwise.
    static func bytes(_ t: ValueType?) -> Int? {
        guard case .tensor(let dtype?, let dims?)? = t, dtype != .string else { return nil }
        var n = max(dtype.size, 1)
        for d in dims {
            guard let v = d.value, v >= 0 else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: v)
            if overflow { return .max }
            n = m
        }
        return n
    }
}
