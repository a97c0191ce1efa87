import SurgeonTensor

/// ConstantOfShape: a tensor of the shape given by input 0 (int64, 1-D), every element the one
/// value of attribute `value` (default float32 0). An empty shape gives a scalar.
enum ConstantOfShape {
    static func register(_ r: inout OpRegistry) {
        r.register("ConstantOfShape", since: 9) { ctx in
            let shapeT = try ctx.tensor(0)
            guard shapeT.rank <= 1, shapeT.dtype.isInteger else {
                throw ctx.error("shape must be a 1-D integer tensor, got \(shapeT.typeDescription)")
            }
            let shape = shapeT.intArray()
            if let bad = shape.first(where: { $0 < 0 }) { throw ctx.error("negative dimension \(bad)") }
            let value = try ctx.tensorAttribute("value") ?? Tensor(scalar: Float(0))
            guard value.count == 1 else { throw ctx.error("attribute 'value' must hold one element, got \(value.typeDescription)") }
            let n = try Tensor.checkedCount(shape, dtype: value.dtype)
            return [.tensor(try value.reshaped([1]).gatherFlat([Int](repeating: 0, count: n), shape: shape))]
        }
    }
}
