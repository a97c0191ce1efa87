import SurgeonTensor

/// Compress: keeps the slices along `axis` (or the elements of the flattened input when no axis
/// is given) whose entry in the bool `condition` is true. A shorter condition keeps nothing
/// past its end.
enum Compress {
    static func register(_ r: inout OpRegistry) {
        r.register("Compress", since: 9) { ctx in
            let x = try ctx.tensor(0), cond = try ctx.tensor(1)
            guard cond.rank == 1 else { throw ctx.error("condition must be 1-D, got \(cond.typeDescription)") }
            let flags = cond.boolArray()
            let data: Tensor, axis: Int
            if let a = try ctx.intIfPresent("axis") {
                axis = try normalizeAxis(a, rank: x.rank, op: "Compress")
                data = x
            } else {
                axis = 0
                data = try x.reshaped([x.count])
            }
            let n = data.shape[axis]
            if flags.count > n, flags[n...].contains(true) {
                throw ctx.error("condition selects index \(flags[n...].firstIndex(of: true) ?? n) past the \(n) slices of axis \(axis)")
            }
            let keep = (0..<min(n, flags.count)).filter { flags[$0] }
            return [.tensor(try Gather.gather(data, keep, indexShape: [keep.count], axis: axis))]
        }
    }
}
