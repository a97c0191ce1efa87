import SurgeonTensor

/// LpNormalization: `x / ||x||_p` along `axis` (default -1), `p` 1 or 2 (default 2);
/// a zero norm gives 0.
enum LpNormalization {
    static func register(_ r: inout OpRegistry) {
        r.register("LpNormalization", since: 1) { ctx in
            let x0 = try ctx.tensor(0)
            let x = try computeFloat(x0, op: "LpNormalization")
            let p = try ctx.int("p", 2)
            guard p == 1 || p == 2 else { throw ctx.error("p must be 1 or 2, got \(p)") }
            let shape = x.rank == 0 ? [1] : x.shape
            let axis = try normalizeAxis(try ctx.int("axis", -1), rank: shape.count, op: "LpNormalization")
            let outer = extent(shape, 0, axis), r = shape[axis], inner = extent(shape, axis + 1, shape.count)
            func run<T: KernelFloat>(_ t: T.Type) throws -> Tensor {
                try x.withUnsafeBuffer(of: T.self) { src in
                    try Tensor.build(x.shape, of: T.self) { dst in
                        for o in 0..<outer {
                            for i in 0..<inner {
                                let base = o * r * inner + i
                                var s: T = 0
                                for j in 0..<r {
                                    let v = src[base + j * inner]
                                    s += p == 1 ? Swift.abs(v) : v * v
                                }
                                let norm = p == 1 ? s : s.squareRoot()
                                for j in 0..<r { dst[base + j * inner] = norm == 0 ? 0 : src[base + j * inner] / norm }
                            }
                        }
                    }
                }
            }
            let y = x.dtype == .float32 ? try run(Float.self) : try run(Double.self)
            return [.tensor(try y.cast(to: x0.dtype))]
        }
    }
}
