/// The ControlFlow kernels, one op per file in this folder.
func registerControlFlowOps(_ r: inout OpRegistry) {
    // Subgraph control flow.
    If.register(&r)
    Loop.register(&r)
    Scan.register(&r)
    // Sequences.
    SequenceConstruct.register(&r)
    SequenceEmpty.register(&r)
    SequenceAt.register(&r)
    SequenceInsert.register(&r)
    SequenceErase.register(&r)
    SequenceLength.register(&r)
    SplitToSequence.register(&r)
    ConcatFromSequence.register(&r)
    SequenceMap.register(&r)
    // Optionals.
    OptionalOp.register(&r)
    OptionalHasElement.register(&r)
    OptionalGetElement.register(&r)
    // Strings.
    StringConcat.register(&r)
    StringSplit.register(&r)
    StringNormalizer.register(&r)
    RegexFullMatch.register(&r)
    LabelEncoder.register(&r)
    // Signal processing, linear algebra, detection, text features.
    HannWindow.register(&r)
    HammingWindow.register(&r)
    BlackmanWindow.register(&r)
    DFT.register(&r)
    STFT.register(&r)
    MelWeightMatrix.register(&r)
    Det.register(&r)
    NonMaxSuppression.register(&r)
    TfIdfVectorizer.register(&r)
    // Random generators (values differ from other runtimes; shapes and dtypes match).
    RandomUniform.register(&r)
    RandomUniformLike.register(&r)
    RandomNormal.register(&r)
    RandomNormalLike.register(&r)
    Bernoulli.register(&r)
    Multinomial.register(&r)
}
