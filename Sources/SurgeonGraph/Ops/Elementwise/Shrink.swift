import SurgeonTensor

/// Shrink: `x + bias` where x < -lambd, `x - bias` where x > lambd, else 0 (bias 0, lambd 0.5
/// by default). Any numeric dtype; integers compute in Double and convert back.
enum Shrink {
    static func register(_ r: inout OpRegistry) {
        r.register("Shrink", since: 9) { ctx in
            let x = try ctx.tensor(0)
            let bias = try ctx.float("bias", 0), lambd = try ctx.float("lambd", 0.5)
            let b = Double(bias), l = Double(lambd)
            if x.dtype.isFloatingPoint {
                return [.tensor(try unaryFloat(
                    x, "Shrink",
                    { $0 < -lambd ? $0 + bias : ($0 > lambd ? $0 - bias : 0) },
                    { $0 < -l ? $0 + b : ($0 > l ? $0 - b : 0) }))]
            }
            guard x.dtype.isNumeric else { throw ctx.error("needs a numeric tensor, got \(x.dtype)") }
            let r = try emap1(x.cast(to: .float64), Double.self, Double.self) { $0 < -l ? $0 + b : ($0 > l ? $0 - b : 0) }
            return [.tensor(try r.cast(to: x.dtype))]
        }
    }
}
