/// The Extra kernels (newer and less common ops, training and ai.onnx.ml ops), one op per file.
func registerExtraOps(_ r: inout OpRegistry) {
    TensorScatter.register(&r)
    SwiGLU.register(&r)
    RoiAlign.register(&r)
    CausalConvWithState.register(&r)
    LinearAttention.register(&r)
    // ai.onnx.preview
    FlexAttention.register(&r)
    // ai.onnx.preview.training
    Adagrad.register(&r)
    Adam.register(&r)
    Momentum.register(&r)
    // ai.onnx.ml
    ArrayFeatureExtractor.register(&r)
    Binarizer.register(&r)
    TreeEnsemble.register(&r)
    // com.microsoft (onnxruntime contrib ops that shipped models use)
    DynamicQuantizeLSTM.register(&r)
}
