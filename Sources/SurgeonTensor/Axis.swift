/// Resolves a possibly negative axis against `rank`, throwing when it is out of range.
public func normalizeAxis(_ axis: Int, rank: Int, op: String = "") throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < rank else {
        throw TensorError("\(op.isEmpty ? "" : op + ": ")axis \(axis) is out of range for rank \(rank)")
    }
    return a
}
