import SurgeonTensor

/// IsInf: elementwise test for infinity of a floating-point tensor, giving bool; attributes
/// `detect_positive` and `detect_negative` (both 1 by default) choose which infinities count.
enum IsInf {
    static func register(_ r: inout OpRegistry) {
        r.register("IsInf", since: 10) { ctx in
            let pos = try ctx.int("detect_positive", 1) != 0
            let neg = try ctx.int("detect_negative", 1) != 0
            return [.tensor(try unaryFloatTest(ctx.tensor(0), "IsInf") {
                $0.isInfinite && ($0 > 0 ? pos : neg)
            })]
        }
    }
}
