/// ReduceProd: product (1 for an empty set) over the given axes (keepdims, noop_with_empty_axes); axes became an input in opset 18.
enum ReduceProd {
    static func register(_ r: inout OpRegistry) {
        registerReduction(&r, "ReduceProd", .prod, axesInputSince: 18)
    }
}
