import SurgeonTensor

/// TopK: the k largest (or, with `largest`=0, smallest) elements along `axis` and their int64
/// indices. k is an attribute before opset 10 and input 1 after. Results are always sorted;
/// equal values keep the smaller index first. NaN counts as larger than every number.
enum TopK {
    static func register(_ r: inout OpRegistry) {
        r.register("TopK", since: 1) { ctx in
            guard let k = try ctx.intIfPresent("k") else { throw ctx.error("attribute 'k' is required") }
            return try topK(ctx, k: k)
        }
        r.register("TopK", since: 10) { ctx in
            guard let k = try ctx.optionalScalarInt(1) else { throw ctx.error("needs the K input") }
            return try topK(ctx, k: k)
        }
    }

    /// - Parameter fast: false keeps float inputs on the comparison sort (tests compare the two).
    static func topK(_ ctx: OpContext, k: Int, fast: Bool = true) throws -> [Value] {
        let x = try ctx.tensor(0)
        guard x.rank >= 1 else { throw ctx.error("needs rank 1 or more") }
        guard x.dtype != .string else { throw ctx.error("does not support strings") }
        let axis = try normalizeAxis(try ctx.int("axis", -1), rank: x.rank, op: "TopK")
        let n = x.shape[axis]
        guard k >= 0 && k <= n else { throw ctx.error("k = \(k) but axis \(axis) has \(n) elements") }
        let largest = try ctx.int("largest", 1) != 0
        let inner = product(x.shape[(axis + 1)...])
        let outer = n * inner == 0 ? 0 : x.count / (n * inner)
        var outShape = x.shape
        outShape[axis] = k
        let keys = SortKeys(x)
        var flat: [Int] = Array(repeating: 0, count: outer * k * inner)
        var positions = [Int64](repeating: 0, count: flat.count)
        var order = [Int](repeating: 0, count: n)
        // Float inputs: k of n kept in a heap over ordered integer keys (TopKSelect.swift);
        // the others sorted whole. Either way order[0..<k] are the chosen positions.
        var floatKeys: [Double]?
        if fast, case .double(let values) = keys { floatKeys = values }
        var select = TopKSelect(n: floatKeys == nil ? 0 : n, k: k)
        for o in 0..<outer {
            for p in 0..<inner {
                let base = o * n * inner + p
                if let floatKeys {
                    floatKeys.withUnsafeBufferPointer { v in
                        guard let vb = v.baseAddress else { return }
                        select.run(vb + base, stride: inner, largest: largest)
                    }
                    for j in 0..<k { order[j] = select.chosen(j) }
                } else {
                    for i in 0..<n { order[i] = i }
                    order.sort { a, b in
                        let fa = base + a * inner, fb = base + b * inner
                        if largest {
                            if keys.less(fb, fa) { return true }
                            if keys.less(fa, fb) { return false }
                        } else {
                            if keys.less(fa, fb) { return true }
                            if keys.less(fb, fa) { return false }
                        }
                        return a < b
                    }
                }
                for j in 0..<k {
                    let dst = (o * k + j) * inner + p
                    flat[dst] = base + order[j] * inner
                    positions[dst] = Int64(order[j])
                }
            }
        }
        return [.tensor(try x.take(flatIndices: flat, shape: outShape)),
                .tensor(try Tensor(shape: outShape, scalars: positions))]
    }
}
