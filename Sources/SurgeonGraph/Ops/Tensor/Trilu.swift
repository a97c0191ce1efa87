import SurgeonTensor

/// Trilu: keeps the upper (`upper`=1, `j - i >= k`) or lower (`j - i <= k`) triangle of the last
/// two axes and zeroes the rest; k is the optional input 1.
enum Trilu {
    static func register(_ r: inout OpRegistry) {
        r.register("Trilu", since: 14) { ctx in
            let x = try ctx.tensor(0)
            guard x.rank >= 2 else { throw ctx.error("needs rank 2 or more, got \(x.typeDescription)") }
            let k = try ctx.optionalScalarInt(1) ?? 0
            let upper = try ctx.int("upper", 1) != 0
            let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1]
            var idx = [Int](repeating: -1, count: x.count)
            let mat = rows * cols
            for b in 0..<(mat == 0 ? 0 : x.count / mat) {
                for i in 0..<rows {
                    for j in 0..<cols {
                        let diff = j - i
                        let keep = upper ? diff >= k : diff <= k
                        let f = b * mat + i * cols + j
                        if keep { idx[f] = f }
                    }
                }
            }
            return [.tensor(try x.gatherFlat(idx, shape: x.shape))]
        }
    }
}
