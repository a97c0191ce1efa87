import SurgeonTensor

/// ScatterElements: a copy of data where `updates[i][j][k]` is written to (or combined with,
/// per `reduction`: none, add, mul (opset 16), max, min (opset 18)) the element
/// `data[indices[i][j][k]][j][k]` (for axis 0). Negative indices wrap.
enum ScatterElements {
    static func register(_ r: inout OpRegistry) {
        r.register("ScatterElements", since: 11) { ctx in [.tensor(try run(ctx, op: "ScatterElements"))] }
    }

    static func run(_ ctx: OpContext, op: String) throws -> Tensor {
        let data = try ctx.tensor(0), indices = try ctx.tensor(1), updates = try ctx.tensor(2)
        guard indices.dtype.isInteger else { throw ctx.error("indices must be integers, got \(indices.typeDescription)") }
        guard data.rank >= 1, indices.rank == data.rank, updates.shape == indices.shape else {
            throw ctx.error("data \(data.typeDescription), indices \(indices.typeDescription) and updates \(updates.typeDescription) do not fit")
        }
        let axis = try normalizeAxis(try ctx.int("axis", 0), rank: data.rank, op: op)
        let reduction = try ctx.string("reduction", "none")
        return try GatherElements.withElementOffsets(data.shape, indices: indices, axis: axis, op: op) { targets in
            if let y = try ScatterElementsCopy.scatter(data, targets: targets, updates: updates, reduction: reduction) { return y }
            return try scatter(data, targets: targets, updates: updates, reduction: reduction, op: op)
        }
    }

    /// Writes (or reduces) element `i` of `updates` into flat offset `targets[i]` of a copy of `data`
    /// (offsets outside `data`: an error).
    static func scatter(_ data: Tensor, targets: [Int], updates: Tensor, reduction: String, op: String) throws -> Tensor {
        try checkTargets(targets, in: data, op: op)
        return try targets.withUnsafeBufferPointer { try scatter(data, targets: $0, updates: updates, reduction: reduction, op: op) }
    }

    /// Throws unless every offset lies inside `data`.
    static func checkTargets(_ targets: [Int], in data: Tensor, op: String) throws {
        let n = data.count
        for t in targets where t < 0 || t >= n { throw TensorError("\(op): index out of range") }
    }

    /// `scatter` with the offsets in a buffer of the caller's, inside `data` (as
    /// `GatherElements.withElementOffsets` makes them: they are not checked again).
    static func scatter(_ data: Tensor, targets: UnsafeBufferPointer<Int>, updates: Tensor, reduction: String,
                        op: String) throws -> Tensor {
        guard updates.dtype == data.dtype else { throw TensorError("\(op): updates are \(updates.dtype) but data is \(data.dtype)") }
        guard targets.count == updates.count else { throw TensorError("internal: \(op) target count mismatch") }
        let n = data.count
        assert(targets.allSatisfy { $0 >= 0 && $0 < n }, "\(op): offsets outside data")
        if reduction == "none" {
            var idx = Array(0..<n)
            for (i, t) in targets.enumerated() { idx[t] = n + i }
            let joined = try Tensor.concat([data.reshaped([n]), updates.reshaped([updates.count])], axis: 0)
            return try joined.take(flatIndices: idx, shape: data.shape)
        }
        guard ["add", "mul", "max", "min"].contains(reduction) else {
            throw TensorError("\(op): unknown reduction '\(reduction)'")
        }
        if data.dtype == .bool {
            // Logical forms: add = or, mul = and, max = or, min = and.
            var v = data.boolArray()
            let u = updates.boolArray()
            let isOr = reduction == "add" || reduction == "max"
            for (i, t) in targets.enumerated() { v[t] = isOr ? (v[t] || u[i]) : (v[t] && u[i]) }
            return try Tensor(bools: v, shape: data.shape)
        }
        struct Body: WideBody {
            let updates: WideArray, targets: UnsafeBufferPointer<Int>, reduction: String
            func apply<T: WideScalar>(_ v0: [T]) throws -> [T] {
                let u: [T]
                switch updates {
                case .double(let a): u = (a as? [T]) ?? []
                case .int(let a): u = (a as? [T]) ?? []
                case .uint(let a): u = (a as? [T]) ?? []
                }
                guard u.count == targets.count else { throw TensorError("internal: scatter type mismatch") }
                var v = v0
                for (i, t) in targets.enumerated() {
                    switch reduction {
                    case "add": v[t] = T.wadd(v[t], u[i])
                    case "mul": v[t] = T.wmul(v[t], u[i])
                    case "max": v[t] = max(v[t], u[i])
                    default: v[t] = min(v[t], u[i])
                    }
                }
                return v
            }
        }
        return try withWide(data, op: op, Body(updates: try WideArray(updates, op: op), targets: targets, reduction: reduction))
    }
}
