/// ReduceMean: arithmetic mean (NaN for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceMean {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceMean", .mean, axesInputSince: 18)
    }
}
