/// The Elementwise kernels, one op per file in this folder.
func registerElementwiseOps(_ r: inout OpRegistry) {
    Add.register(&r)
    Relu.register(&r)
}
