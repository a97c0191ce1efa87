/// ReduceMax: maximum (-inf, the dtype minimum or false for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceMax {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceMax", .max, axesInputSince: 18)
    }
}
