/// One item of a numpy-style subscript.
public enum TensorIndex: Sendable, Equatable {
    case at(Int)
    case range(start: Int?, stop: Int?, step: Int?)
    case ellipsis
    case newAxis
}

extension Tensor {
    /// numpy basic indexing: integers drop an axis, ranges keep it, `...` fills the rest,
    /// `newAxis` inserts a length-1 axis. Negative positions count from the end; slices clamp.
    public func subscripted(_ items: [TensorIndex]) throws -> Tensor {
        let consumed = items.filter { if case .ellipsis = $0 { return false }; if case .newAxis = $0 { return false }; return true }.count
        guard items.filter({ $0 == .ellipsis }).count <= 1 else { throw TensorError("an index can only have a single ellipsis ('...')") }
        guard consumed <= rank else {
            throw TensorError("too many indices for a tensor of rank \(rank): \(consumed) given, shape \(shapeString(shape))")
        }
        // Expand the ellipsis into full ranges.
        var expanded: [TensorIndex] = []
        for it in items {
            if case .ellipsis = it {
                expanded += Array(repeating: .range(start: nil, stop: nil, step: nil), count: rank - consumed)
            } else {
                expanded.append(it)
            }
        }
        var axis = 0
        // Per source axis: the positions taken; and the output shape.
        var picks: [[Int]] = []
        var outShape: [Int] = []
        for it in expanded {
            switch it {
            case .newAxis:
                outShape.append(1)
            case .at(let i):
                let n = shape[axis]
                let j = i < 0 ? i + n : i
                guard j >= 0 && j < n else { throw TensorError("index \(i) is out of bounds for axis \(axis) with size \(n)") }
                picks.append([j])
                axis += 1
            case .range(let start, let stop, let step):
                let n = shape[axis]
                let s = step ?? 1
                guard s != 0 else { throw TensorError("slice step cannot be zero") }
                var positions: [Int] = []
                if s > 0 {
                    var a = start ?? 0, b = stop ?? n
                    if a < 0 { a += n }; if b < 0 { b += n }
                    a = min(max(a, 0), n); b = min(max(b, 0), n)
                    var k = a
                    while k < b { positions.append(k); k += s }
                } else {
                    var a = start ?? n - 1, b = stop ?? -n - 1
                    if a < 0 { a += n }; if b < 0 { b += n }
                    a = min(max(a, -1), n - 1); b = min(max(b, -1), n - 1)
                    var k = a
                    while k > b { positions.append(k); k += s }
                }
                picks.append(positions)
                outShape.append(positions.count)
                axis += 1
            case .ellipsis:
                break
            }
        }
        while axis < rank {
            picks.append(Array(0..<shape[axis]))
            outShape.append(shape[axis])
            axis += 1
        }
        let strides = contiguousStrides(shape)
        var flat: [Int] = [0]
        for (a, p) in picks.enumerated() {
            var next: [Int] = []
            next.reserveCapacity(flat.count * p.count)
            for base in flat { for q in p { next.append(base + q * strides[a]) } }
            flat = next
        }
        return try take(flatIndices: flat, shape: outShape)
    }
}
