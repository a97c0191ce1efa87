import SurgeonTensor

/// Unsqueeze: inserts extent-1 axes at the given positions of the output. Axes are an attribute
/// before opset 13, an input from 13.
enum Unsqueeze {
    static func register(_ r: inout OpRegistry) {
        r.register("Unsqueeze", since: 1) { ctx in
            guard let axes = try ctx.ints("axes") else { throw ctx.error("attribute 'axes' is required") }
            return [.tensor(try unsqueeze(ctx.tensor(0), axes: axes))]
        }
        r.register("Unsqueeze", since: 13) { ctx in
            [.tensor(try unsqueeze(ctx.tensor(0), axes: try ctx.requiredInts(1)))]
        }
    }

    static func unsqueeze(_ x: Tensor, axes: [Int]) throws -> Tensor {
        let outRank = x.rank + axes.count
        var inserted = [Bool](repeating: false, count: max(outRank, 0))
        for a in try normalizeAxes(axes, rank: outRank, op: "Unsqueeze") { inserted[a] = true }
        var shape: [Int] = []
        shape.reserveCapacity(outRank)
        var k = 0
        for i in 0..<outRank {
            if inserted[i] { shape.append(1) } else { shape.append(x.shape[k]); k += 1 }
        }
        return try x.reshaped(shape)
    }
}
