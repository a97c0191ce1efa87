/// The ControlFlow kernels, one op per file in this folder.
func registerControlFlowOps(_ r: inout OpRegistry) {
}
