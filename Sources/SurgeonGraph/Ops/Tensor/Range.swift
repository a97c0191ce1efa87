import SurgeonTensor

/// Range: `start, start+delta, ...` up to (excluding) `limit`; `max(ceil((limit-start)/delta), 0)`
/// elements of the inputs' dtype. Integers are computed exactly, floats in Double.
enum RangeOp {
    static func register(_ r: inout OpRegistry) {
        r.register("Range", since: 11) { ctx in
            let s = try ctx.tensor(0), l = try ctx.tensor(1), d = try ctx.tensor(2)
            guard s.count == 1, l.count == 1, d.count == 1 else { throw ctx.error("start, limit and delta must be scalars") }
            guard s.dtype == l.dtype, s.dtype == d.dtype else { throw ctx.error("start, limit and delta must share a dtype") }
            let dt = s.dtype
            switch dt.computeClass {
            case .signed, .unsigned:
                let a = s.int64Array()[0], b = l.int64Array()[0], st = d.int64Array()[0]
                guard st != 0 else { throw ctx.error("delta is 0") }
                let (span, o) = b.subtractingReportingOverflow(a)
                guard !o else { throw ctx.error("range too large") }
                var n: Int64 = 0
                if (st > 0 && span > 0) || (st < 0 && span < 0) {
                    n = span / st + (span % st != 0 ? 1 : 0)
                }
                _ = try Tensor.checkedCount([Int(n)], dtype: dt)
                let v = (0..<n).map { a &+ $0 &* st }
                return [.tensor(try Tensor(int64s: v, shape: [Int(n)], dtype: dt))]
            case .float32, .float64, .reducedFloat:
                let a = s.doubleArray()[0], b = l.doubleArray()[0], st = d.doubleArray()[0]
                guard st != 0, a.isFinite, b.isFinite, st.isFinite else { throw ctx.error("invalid range \(a), \(b), \(st)") }
                let q = ((b - a) / st).rounded(.up)
                guard q < 1e15 && q > -1e15 else { throw ctx.error("range too large") }
                let n = max(Int(q), 0)
                _ = try Tensor.checkedCount([n], dtype: dt)
                let v = (0..<n).map { a + Double($0) * st }
                return [.tensor(try Tensor(doubles: v, shape: [n], dtype: dt))]
            default:
                throw ctx.error("does not support \(dt)")
            }
        }
    }
}
