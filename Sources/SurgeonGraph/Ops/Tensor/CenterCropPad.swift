import SurgeonTensor

/// CenterCropPad: crops or zero-pads the given axes (attribute `axes`, default all) to the
/// extents in input 1, keeping the content centred (the extra element goes to the end).
enum CenterCropPad {
    static func register(_ r: inout OpRegistry) {
        r.register("CenterCropPad", since: 18) { ctx in
            let x = try ctx.tensor(0)
            let target = try ctx.requiredInts(1)
            let axes = try normalizeAxes(try ctx.ints("axes") ?? Array(0..<x.rank), rank: x.rank, op: "CenterCropPad")
            guard target.count == axes.count else { throw ctx.error("\(target.count) extents for \(axes.count) axes") }
            var outShape = x.shape
            for (k, a) in axes.enumerated() { outShape[a] = target[k] }
            _ = try Tensor.checkedCount(outShape, dtype: x.dtype)
            var maps = x.shape.map { Array(0..<$0) }
            for (k, a) in axes.enumerated() {
                let dim = x.shape[a], want = target[k]
                guard want >= 0 else { throw ctx.error("negative extent \(want)") }
                if want < dim {
                    let start = (dim - want) / 2
                    maps[a] = Array(start..<(start + want))
                } else if want > dim {
                    let start = (want - dim) / 2
                    var m = [Int](repeating: -1, count: want)
                    for i in 0..<dim { m[start + i] = i }
                    maps[a] = m
                }
            }
            return [.tensor(try axisMapTake(x, maps: maps, fill: nil))]
        }
    }
}
