/// ReduceSumSquare: sum of squares over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceSumSquare {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceSumSquare", .sumSquare, axesInputSince: 18)
    }
}
