import SurgeonTensor

/// EyeLike: a 2-D tensor shaped like the input with ones on diagonal `k` and zeros elsewhere;
/// dtype from attribute `dtype`, else the input's.
enum EyeLike {
    static func register(_ r: inout OpRegistry) {
        r.register("EyeLike", since: 9) { ctx in
            let x = try ctx.tensor(0)
            guard x.rank == 2 else { throw ctx.error("needs a 2-D input, got \(x.typeDescription)") }
            let dt = try ctx.dtype("dtype", x.dtype)
            guard dt != .string else { throw ctx.error("cannot make a string identity") }
            let k = try ctx.int("k", 0)
            let rows = x.shape[0], cols = x.shape[1]
            var v = [Double](repeating: 0, count: rows * cols)
            for i in 0..<rows {
                let j = i &+ k
                if j >= 0 && j < cols { v[i * cols + j] = 1 }
            }
            return [.tensor(try Tensor(doubles: v, shape: x.shape, dtype: dt))]
        }
    }
}
