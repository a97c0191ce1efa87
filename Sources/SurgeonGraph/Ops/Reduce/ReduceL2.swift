/// ReduceL2: square root of the sum of squares over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceL2 {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceL2", .l2, axesInputSince: 18)
    }
}
