/// ReduceLogSum: log of the sum (-inf for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceLogSum {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceLogSum", .logSum, axesInputSince: 18)
    }
}
