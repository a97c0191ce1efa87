import SurgeonTensor

/// Expand: broadcasts the input against the shape in input 1 (numpy rules in both directions,
/// so the result may be larger than the requested shape).
enum Expand {
    static func register(_ r: inout OpRegistry) {
        r.register("Expand", since: 8) { ctx in
            let x = try ctx.tensor(0)
            let target = try ctx.requiredInts(1)
            let out = try broadcastShapes([x.shape, target])
            if out == x.shape { return [.tensor(x)] }
            return [.tensor(try stridedCopy(x, shape: out, strides: broadcastStrides(x.shape, to: out), offset: 0))]
        }
    }
}
