import SurgeonTensor

/// OneHot: inserts an axis of length `depth` at `axis` holding `values[1]` where the position
/// equals the index (negative indices count from depth) and `values[0]` elsewhere; indices
/// outside [-depth, depth-1] give an all-off row.
enum OneHot {
    static func register(_ r: inout OpRegistry) {
        r.register("OneHot", since: 9) { ctx in
            let indices = try ctx.tensor(0), depthT = try ctx.tensor(1), values = try ctx.tensor(2)
            guard depthT.count == 1 else { throw ctx.error("depth must be a single value") }
            guard values.count == 2 else { throw ctx.error("values must hold [off, on], got \(values.typeDescription)") }
            guard indices.dtype.isNumeric else { throw ctx.error("indices must be numeric") }
            let dd = depthT.doubleArray()[0]
            guard dd.isFinite, dd >= 1, dd < 1e12 else { throw ctx.error("invalid depth \(dd)") }
            let depth = Int(dd)
            let outRank = indices.rank + 1
            let axis = try normalizeAxis(try ctx.int("axis", -1), rank: outRank, op: "OneHot")
            let outer = product(indices.shape[..<axis]), inner = product(indices.shape[axis...])
            var outShape = indices.shape
            outShape.insert(depth, at: axis)
            let n = try Tensor.checkedCount(outShape, dtype: values.dtype)
            let idx = indices.doubleArray().map { v -> Int in
                guard v.isFinite, abs(v) < 1e15 else { return -1 }
                let i = Int(v)
                let j = i < 0 ? i + depth : i
                return (j >= 0 && j < depth) ? j : -1
            }
            var flat = [Int](repeating: 0, count: n)
            for o in 0..<outer {
                for p in 0..<inner where idx[o * inner + p] >= 0 {
                    flat[(o * depth + idx[o * inner + p]) * inner + p] = 1
                }
            }
            return [.tensor(try values.reshaped([2]).take(flatIndices: flat, shape: outShape))]
        }
    }
}
