/// ReduceLogSumExp: log of the sum of exponentials, computed stably (-inf for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceLogSumExp {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceLogSumExp", .logSumExp, axesInputSince: 18)
    }
}
