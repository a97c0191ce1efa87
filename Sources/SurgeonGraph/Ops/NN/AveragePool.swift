import SurgeonTensor

/// AveragePool (opset 1-22): N-D window mean with strides, pads / auto_pad, dilations,
/// ceil_mode and count_include_pad (which counts taps inside the explicit pads only).
enum AveragePool {
    static func register(_ r: inout OpRegistry) {
        r.register("AveragePool", since: 1) { ctx in
            let x = try ctx.tensor(0)
            try requireFloat(x, "AveragePool", "X")
            let geom = try poolGeometry(ctx, x)
            let include = try ctx.int("count_include_pad", 0) != 0
            if let y = try PoolFloat.pool(x, geom: geom, kind: .average(countIncludePad: include)) { return [.tensor(y)] }
            let (v, _) = try poolND(x.doubleArray(), shape: x.shape, geom: geom, kind: .average(countIncludePad: include))
            return [.tensor(try saturatingTensor(v, shape: Array(x.shape[0..<2]) + geom.output, dtype: x.dtype))]
        }
    }
}
