/// ReduceSum: sum over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 13.
enum ReduceSum {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceSum", .sum, axesInputSince: 13)
    }
}
