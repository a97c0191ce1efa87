import SurgeonTensor

/// Transpose: permutes axes by `perm` (default: reversed). Any dtype; a strided byte copy with
/// contiguous inner runs copied at once.
enum Transpose {
    static func register(_ r: inout OpRegistry) {
        r.register("Transpose", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let perm = try ctx.ints("perm") ?? Array((0..<x.rank).reversed())
            guard perm.count == x.rank else {
                throw ctx.error("perm \(perm) has \(perm.count) entries for \(x.typeDescription)")
            }
            let p = try normalizeAxes(perm, rank: x.rank, op: "Transpose")
            if p == Array(0..<x.rank) { return [.tensor(x)] }
            return [.tensor(try transposed(x, perm: p))]
        }
    }
}
