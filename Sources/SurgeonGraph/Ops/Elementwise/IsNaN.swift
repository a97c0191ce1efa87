import SurgeonTensor

/// IsNaN: elementwise test for NaN of a floating-point tensor, giving bool.
enum IsNaN {
    static func register(_ r: inout OpRegistry) {
        r.register("IsNaN", since: 9) { ctx in
            [.tensor(try unaryFloatTest(ctx.tensor(0), "IsNaN") { $0.isNaN })]
        }
    }
}
