/// The Tensor kernels, one op per file in this folder.
func registerTensorOps(_ r: inout OpRegistry) {
}
