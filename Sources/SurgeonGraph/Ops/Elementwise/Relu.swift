import SurgeonTensor

/// Relu: `max(x, 0)` (NaN stays NaN); opset 14 adds signed integer types.
enum Relu {
    static func register(_ r: inout OpRegistry) {
        r.register("Relu", since: 1) { ctx in
            let x = try ctx.tensor(0)
            if x.dtype == .float32 { return [.tensor(try fastUnaryF32(x, ReluF.self))] }
            if x.dtype == .float16 { return [.tensor(try reluHalf(x))] }
            return [.tensor(try unaryNumeric(
                x, "Relu", float: { $0 < 0 ? 0 : $0 }, double: { $0 < 0 ? 0 : $0 },
                int: { $0 > 0 ? $0 : 0 }, uint: nil))]
        }
    }
}

enum ReluF: FloatUnaryKernel { @inline(__always) static func apply(_ x: Float) -> Float { x < 0 ? 0 : x } }
