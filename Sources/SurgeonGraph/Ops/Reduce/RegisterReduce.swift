/// The Reduce kernels, one op per file in this folder.
func registerReduceOps(_ r: inout OpRegistry) {
}
