import SurgeonTensor

/// Pad: pads (or, with negative pads, crops) each axis. `pads` is `[begin_0, ..., begin_n,
/// end_0, ..., end_n]`: attribute `paddings` (opset 1) / `pads` (opset 2) with float `value`,
/// then inputs pads and constant_value (opset 11) and axes (opset 18). Modes: constant,
/// reflect, edge, wrap (opset 19). Negative pads crop first; the rest pads the cropped tensor.
enum Pad {
    static func register(_ r: inout OpRegistry) {
        r.register("Pad", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard let pads = try ctx.ints("pads") ?? ctx.ints("paddings") else { throw ctx.error("attribute 'pads' is required") }
            let value = try Tensor(doubles: [Double(try ctx.float("value", 0))], shape: [1], dtype: x.dtype)
            return [.tensor(try pad(x, pads: pads, axes: nil, mode: try ctx.string("mode", "constant"), value: value))]
        }
        r.register("Pad", since: 11) { ctx in
            let x = try ctx.tensor(0)
            let value = try ctx.optionalTensor(2)
            if let value, value.count != 1 { throw ctx.error("constant_value must be one element") }
            return [.tensor(try pad(x, pads: try ctx.requiredInts(1), axes: try ctx.optionalInts(3),
                                    mode: try ctx.string("mode", "constant"), value: value?.reshaped([1]).cast(to: x.dtype)))]
        }
    }

    /// - Parameter fast: false keeps every mode on the plain index maps and gather (tests compare
    ///   the two: `PadConstant`, `PadMapped`).
    static func pad(_ x: Tensor, pads: [Int], axes: [Int]?, mode: String, value: Tensor?, fast: Bool = true) throws -> Tensor {
        let axes = try normalizeAxes(axes ?? Array(0..<x.rank), rank: x.rank, op: "Pad")
        guard pads.count == 2 * axes.count else {
            throw TensorError("Pad: \(pads.count) pads for \(axes.count) axes of \(x.typeDescription)")
        }
        guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw TensorError("Pad: unknown mode '\(mode)'") }
        var begin = Array(repeating: 0, count: x.rank), end = begin
        for (k, a) in axes.enumerated() { begin[a] = pads[k]; end[a] = pads[axes.count + k] }
        let limit = 1 << 40
        for p in pads where p > limit || p < -limit { throw TensorError("Pad: pad \(p) is out of range") }
        if fast, mode == "constant", let y = try PadConstant.pad(x, begin: begin, end: end, value: value) { return y }
        var outShape: [Int] = []
        for d in 0..<x.rank { outShape.append(x.shape[d] + begin[d] + end[d]) }
        _ = try Tensor.checkedCount(outShape, dtype: x.dtype)
        var maps: [[Int]] = []
        for d in 0..<x.rank {
            let n = x.shape[d]
            let lo = max(0, -begin[d]), hi = n - max(0, -end[d])
            let m = hi - lo
            guard m >= 0 else { throw TensorError("Pad: pads crop more than the \(n) elements of axis \(d)") }
            let pb = max(begin[d], 0), pe = max(end[d], 0)
            let outLen = m + pb + pe
            if outLen > 0 && m == 0 && mode != "constant" {
                throw TensorError("Pad: cannot \(mode)-pad an empty axis \(d)")
            }
            var map = [Int](repeating: -1, count: outLen)
            for o in 0..<outLen {
                let i = o - pb
                if i >= 0 && i < m { map[o] = lo + i; continue }
                switch mode {
                case "edge": map[o] = lo + min(max(i, 0), m - 1)
                case "wrap": map[o] = lo + ((i % m) + m) % m
                case "reflect":
                    if m == 1 { map[o] = lo; break }
                    let period = 2 * (m - 1)
                    var j = ((i % period) + period) % period
                    if j >= m { j = period - j }
                    map[o] = lo + j
                default: break
                }
            }
            maps.append(map)
        }
        if fast, mode != "constant", let y = try PadMapped.take(x, maps: maps) { return y }
        return try axisMapTake(x, maps: maps, fill: value)
    }
}
