import SurgeonTensor

/// Unique: the distinct elements of the flattened input (or distinct slices along `axis`),
/// sorted (`sorted`=1, the default) or in order of first occurrence, plus the index of each
/// one's first occurrence, the inverse mapping of every input element/slice, and counts.
enum Unique {
    static func register(_ r: inout OpRegistry) {
        r.register("Unique", since: 11) { ctx in
            let x = try ctx.tensor(0)
            let sorted = try ctx.int("sorted", 1) != 0
            let data: Tensor, axis: Int
            if let a = try ctx.intIfPresent("axis") {
                axis = try normalizeAxis(a, rank: x.rank, op: "Unique")
                data = x
            } else {
                axis = 0
                data = try x.reshaped([x.count])
            }
            let n = data.shape[axis]
            let inner = product(data.shape[(axis + 1)...])
            let outer = n * inner == 0 ? 0 : data.count / (n * inner)
            let keys = SortKeys(data)
            // Slice u is the elements (o, u, p) for all outer o and inner p, compared in row-major order.
            func less(_ a: Int, _ b: Int) -> Bool {
                for o in 0..<outer {
                    for p in 0..<inner {
                        let fa = (o * n + a) * inner + p, fb = (o * n + b) * inner + p
                        if keys.less(fa, fb) { return true }
                        if keys.less(fb, fa) { return false }
                    }
                }
                return false
            }
            let order = (0..<n).sorted { a, b in
                if less(a, b) { return true }
                if less(b, a) { return false }
                return a < b
            }
            // Groups of equal slices, each listed by its first (smallest) index.
            var groups: [[Int]] = []
            for u in order {
                if let last = groups.last?.first, !less(last, u) && !less(u, last) {
                    groups[groups.count - 1].append(u)
                } else {
                    groups.append([u])
                }
            }
            if !sorted { groups.sort { $0[0] < $1[0] } }
            var inverse = [Int64](repeating: 0, count: n)
            for (g, members) in groups.enumerated() { for u in members { inverse[u] = Int64(g) } }
            let firsts = groups.map { $0[0] }
            let y = try Gather.gather(data, firsts, indexShape: [firsts.count], axis: axis)
            return [.tensor(y),
                    .tensor(try Tensor(shape: [firsts.count], scalars: firsts.map { Int64($0) })),
                    .tensor(try Tensor(shape: [n], scalars: inverse)),
                    .tensor(try Tensor(shape: [groups.count], scalars: groups.map { Int64($0.count) }))]
        }
    }
}
