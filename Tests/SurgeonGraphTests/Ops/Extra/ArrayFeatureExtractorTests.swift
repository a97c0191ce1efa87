import Foundation
import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ArrayFeatureExtractorTests {
    let ml = "ai.onnx.ml"

    @Test func arrayFeatureExtractorPicksColumns() throws {
        let x = try f32([2, 3], [0, 1, 2, 3, 4, 5])
        let y = try runNode("ArrayFeatureExtractor", [x, try Tensor(shape: [2], scalars: [Int64(2), 0])], opset: 1, domain: ml)[0]
        #expect(isClose(y, try f32([2, 2], [2, 0, 5, 3])))
        #expect(throws: (any Error).self) {
            try runNode("ArrayFeatureExtractor", [x, try Tensor(shape: [1], scalars: [Int64(3)])], opset: 1, domain: ml)
        }
    }
}
