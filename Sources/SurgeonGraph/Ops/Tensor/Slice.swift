import SurgeonTensor

/// Slice: numpy-style `start:end:step` per axis. Attributes `starts`/`ends`/`axes` before opset
/// 10, inputs (plus `steps`) from 10. Negative bounds count from the end; bounds are clamped
/// (to [0, dim] for positive steps, [-1, dim-1] for negative ones).
enum SliceOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Slice", since: 1) { ctx in
            guard let starts = try ctx.ints("starts"), let ends = try ctx.ints("ends") else {
                throw ctx.error("attributes 'starts' and 'ends' are required")
            }
            return [.tensor(try slice(ctx.tensor(0), starts: starts, ends: ends, axes: try ctx.ints("axes"), steps: nil))]
        }
        r.register("Slice", since: 10) { ctx in
            [.tensor(try slice(ctx.tensor(0), starts: try ctx.requiredInts(1), ends: try ctx.requiredInts(2),
                               axes: try ctx.optionalInts(3), steps: try ctx.optionalInts(4)))]
        }
    }

    static func slice(_ x: Tensor, starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws -> Tensor {
        guard starts.count == ends.count else {
            throw TensorError("Slice: \(starts.count) starts but \(ends.count) ends")
        }
        let axes = try normalizeAxes(axes ?? Array(0..<starts.count), rank: x.rank, op: "Slice")
        guard axes.count == starts.count else { throw TensorError("Slice: \(axes.count) axes for \(starts.count) starts") }
        let steps = steps ?? Array(repeating: 1, count: starts.count)
        guard steps.count == starts.count else { throw TensorError("Slice: \(steps.count) steps for \(starts.count) starts") }
        var shape = x.shape
        let base = x.strides
        var strides = base
        var offset = 0
        for (k, axis) in axes.enumerated() {
            let n = x.shape[axis], step = steps[k]
            guard step != 0 else { throw TensorError("Slice: step 0 on axis \(axis)") }
            var s = starts[k], e = ends[k]
            if s < 0 { s = s &+ n }
            if e < 0 { e = e &+ n }
            var len: Int
            if n == 0 {
                len = 0; s = 0
            } else if step > 0 {
                s = min(max(s, 0), n)
                e = min(max(e, 0), n)
                len = e > s ? (e - s - 1) / step + 1 : 0
            } else {
                s = min(max(s, 0), n - 1)
                e = min(max(e, -1), n - 1)
                let mag = step == Int.min ? Int.max : -step
                len = s > e ? (s - e - 1) / mag + 1 : 0
            }
            shape[axis] = len
            strides[axis] = len > 1 ? base[axis] * step : base[axis]
            if len > 0 { offset += s * base[axis] }
        }
        if shape == x.shape && steps.allSatisfy({ $0 == 1 }) { return x }
        return try stridedCopy(x, shape: shape, strides: strides, offset: offset)
    }
}
