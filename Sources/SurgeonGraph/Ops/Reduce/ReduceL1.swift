/// ReduceL1: sum of absolute values over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceL1 {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceL1", .l1, axesInputSince: 18)
    }
}
