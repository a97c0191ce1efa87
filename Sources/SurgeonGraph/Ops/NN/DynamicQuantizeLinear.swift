import SurgeonTensor

/// DynamicQuantizeLinear (opset 11): uint8 quantization with scale and zero point computed
/// from the data range (always including 0). Outputs y, y_scale, y_zero_point.
enum DynamicQuantizeLinear {
    static func register(_ r: inout OpRegistry) {
        r.register("DynamicQuantizeLinear", since: 11) { ctx in
            let x = try ctx.tensor(0)
            try requireFloat(x, "DynamicQuantizeLinear", "x")
            let v = x.floatArray()
            let mx = max(0, v.max() ?? 0), mn = min(0, v.min() ?? 0)
            let scale: Float = (mx == mn ? 1 : mx - mn) / 255
            let zp = min(255, max(0, (0 - mn / scale))).rounded(.toNearestOrEven)
            let y = v.map { e -> UInt8 in
                let q = (e / scale).rounded(.toNearestOrEven) + zp
                return q.isNaN ? 0 : UInt8(min(255, max(0, q)))
            }
            return [.tensor(try Tensor(shape: x.shape, scalars: y)),
                    .tensor(try Tensor(floats: [scale], shape: [], dtype: x.dtype)),
                    .tensor(Tensor(scalar: UInt8(zp)))]
        }
    }
}
