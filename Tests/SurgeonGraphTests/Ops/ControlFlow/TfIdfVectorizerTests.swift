import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct TfIdfVectorizerTests {
    @Test func countsUnigramsAndSkipBigrams() throws {
        // Pool: unigrams [2, 3], bigram (2, 3). Row [2, 5, 3, 2]: 2 twice, 3 once, (2,3) with one skip.
        let x = try Tensor(shape: [4], scalars: [Int32(2), 5, 3, 2])
        let y = try runNode("TfIdfVectorizer", [x], attributes: [
            Attribute(name: "mode", value: .string("TF")), Attribute(name: "min_gram_length", value: .int(1)),
            Attribute(name: "max_gram_length", value: .int(2)), Attribute(name: "max_skip_count", value: .int(1)),
            Attribute(name: "ngram_counts", value: .ints([0, 2])), Attribute(name: "ngram_indexes", value: .ints([0, 1, 2])),
            Attribute(name: "pool_int64s", value: .ints([2, 3, 2, 3])),
        ], opset: 9)[0]
        #expect(try y.scalars(of: Float.self) == [2, 1, 1])
    }
}
