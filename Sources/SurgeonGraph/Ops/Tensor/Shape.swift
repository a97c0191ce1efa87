import SurgeonTensor

/// Shape: the input's shape as int64; from opset 15 `start`/`end` select a (clamped) range of axes.
enum Shape {
    static func register(_ r: inout OpRegistry) {
        r.register("Shape", since: 1) { ctx in
            let x = try ctx.tensor(0)
            let rank = x.rank
            func clamp(_ v: Int) -> Int {
                let a = v < 0 ? v + rank : v
                return min(max(a, 0), rank)
            }
            let start = clamp(try ctx.int("start", 0))
            let end = clamp(try ctx.intIfPresent("end") ?? rank)
            let dims = start < end ? Array(x.shape[start..<end]) : []
            return [.tensor(try Tensor(ints: dims))]
        }
    }
}
