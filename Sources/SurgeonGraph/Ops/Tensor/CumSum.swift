import SurgeonTensor

/// CumSum: running sum along the axis given by input 1; `exclusive` leaves out the current
/// element, `reverse` runs from the end. float32 is summed in float32, other types in their
/// wide type.
enum CumSum {
    static func register(_ r: inout OpRegistry) {
        r.register("CumSum", since: 11) { ctx in [.tensor(try cumulative(ctx, op: "CumSum", product: false))] }
    }

    static func cumulative(_ ctx: OpContext, op: String, product isProduct: Bool) throws -> Tensor {
        let x = try ctx.tensor(0)
        guard let a = try ctx.optionalScalarInt(1) else { throw ctx.error("needs the axis input") }
        guard x.rank >= 1 else { throw ctx.error("needs rank 1 or more") }
        let axis = try normalizeAxis(a, rank: x.rank, op: op)
        let exclusive = try ctx.int("exclusive", 0) != 0, reverse = try ctx.int("reverse", 0) != 0
        let n = x.shape[axis], inner = product(x.shape[(axis + 1)...])
        let outer = n * inner == 0 ? 0 : x.count / (n * inner)
        struct Body: WideBody {
            let n: Int, inner: Int, outer: Int, exclusive: Bool, reverse: Bool, isProduct: Bool
            func apply<T: WideScalar>(_ v: [T]) throws -> [T] {
                var out = v
                for o in 0..<outer {
                    for p in 0..<inner {
                        var acc = isProduct ? T.wideOne : T.wideZero
                        for s in 0..<n {
                            let k = reverse ? n - 1 - s : s
                            let f = (o * n + k) * inner + p
                            let cur = v[f]
                            if exclusive { out[f] = acc }
                            acc = isProduct ? T.wmul(acc, cur) : T.wadd(acc, cur)
                            if !exclusive { out[f] = acc }
                        }
                    }
                }
                return out
            }
        }
        let body = Body(n: n, inner: inner, outer: outer, exclusive: exclusive, reverse: reverse, isProduct: isProduct)
        if x.dtype == .float32 {
            let r = try body.apply(try x.scalars(of: Float.self).map { WFloat($0) })
            return try Tensor(shape: x.shape, scalars: r.map(\.v))
        }
        return try withWide(x, op: op, body)
    }
}

/// Float32 as a wide scalar, so float32 cumulative ops accumulate in float32 as other runtimes do.
struct WFloat: WideScalar {
    var v: Float
    init(_ v: Float) { self.v = v }
    static var wideZero: WFloat { WFloat(0) }
    static var wideOne: WFloat { WFloat(1) }
    static func wadd(_ a: WFloat, _ b: WFloat) -> WFloat { WFloat(a.v + b.v) }
    static func wmul(_ a: WFloat, _ b: WFloat) -> WFloat { WFloat(a.v * b.v) }
    static func < (a: WFloat, b: WFloat) -> Bool { a.v < b.v }
}
