/// The NN kernels, one op per file in this folder.
func registerNNOps(_ r: inout OpRegistry) {
    MatMul.register(&r)
    Gemm.register(&r)
    Attention.register(&r)
    Resize.register(&r)
    Upsample.register(&r)
    Conv.register(&r)
    ConvTranspose.register(&r)
    MaxPool.register(&r)
    AveragePool.register(&r)
    LpPool.register(&r)
    GlobalAveragePool.register(&r)
    GlobalMaxPool.register(&r)
    MaxUnpool.register(&r)
    RNN.register(&r)
    GRU.register(&r)
    LSTM.register(&r)
}
