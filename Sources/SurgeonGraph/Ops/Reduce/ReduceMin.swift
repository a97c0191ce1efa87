/// ReduceMin: minimum (+inf, the dtype maximum or true for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceMin {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceMin", .min, axesInputSince: 18)
    }
}
