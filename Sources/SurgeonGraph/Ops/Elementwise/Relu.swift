import SurgeonTensor

/// Relu: `max(x, 0)`, NaN stays NaN (as numpy and PyTorch); opset 14 adds integer types.
enum Relu {
    static func register(_ r: inout OpRegistry) {
        r.register("Relu", since: 1) { ctx in
            let x = try ctx.tensor(0)
            switch x.dtype.computeClass {
            case .signed:
                return [.tensor(try map1(x.cast(to: .int64), Int64.self, Int64.self) { max($0, 0) }.cast(to: x.dtype))]
            default:
                return [.tensor(try floatMap1(x, name: "Relu", float: { $0 > 0 || $0.isNaN ? $0 : 0 }, double: { $0 > 0 || $0.isNaN ? $0 : 0 }))]
            }
        }
    }
}
