/// Registers every kernel of this build; each group lives in its own folder, one op per file.
func registerStandardOps(_ r: inout OpRegistry) {
    registerElementwiseOps(&r)
    registerTensorOps(&r)
    registerReduceOps(&r)
    registerNNOps(&r)
    registerControlFlowOps(&r)
    registerExtraOps(&r)
}
