import SurgeonTensor

/// MaxPool (opset 1-12): N-D max over windows with strides, pads / auto_pad, dilations and
/// ceil_mode; optional Indices output (flat input index, spatial part column-major when
/// storage_order is 1). Works for float and 8-bit integer inputs.
enum MaxPool {
    static func register(_ r: inout OpRegistry) {
        r.register("MaxPool", since: 1) { ctx in
            let x = try ctx.tensor(0)
            guard x.dtype.isNumeric else { throw ctx.error("X must be numeric, got \(x.typeDescription)") }
            let geom = try poolGeometry(ctx, x)
            let order = try ctx.int("storage_order", 0)
            let wantsIndices = ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty
            if !wantsIndices, let y = try PoolFloat.pool(x, geom: geom, kind: .max) { return [.tensor(y)] }
            if wantsIndices, let (v, i) = try MaxPoolIndicesFloat.pool(x, geom: geom, columnMajor: order == 1) {
                return [.tensor(v), .tensor(i)]
            }
            let (v, idx) = try poolND(x.doubleArray(), shape: x.shape, geom: geom, kind: .max, columnMajor: order == 1)
            let shape = Array(x.shape[0..<2]) + geom.output
            var outs: [Value] = [.tensor(try saturatingTensor(v, shape: shape, dtype: x.dtype))]
            if wantsIndices {
                outs.append(.tensor(try Tensor(shape: shape, scalars: idx)))
            }
            return outs
        }
    }
}
