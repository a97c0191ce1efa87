import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct NonMaxSuppressionTests {
    @Test func suppressesOverlaps() throws {
        let boxes = try f32([1, 3, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 2, 1, 3])
        let scores = try f32([1, 1, 3], [0.9, 0.8, 0.7])
        let y = try runNode("NonMaxSuppression", [boxes, scores, try i64([1], [10]), try f32([1], [0.5]), try f32([1], [0])], opset: 11)[0]
        #expect(y.shape == [2, 3])
        #expect(try y.scalars(of: Int64.self) == [0, 0, 0, 0, 0, 2])
    }

    @Test func badShapesAreAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("NonMaxSuppression", [try f32([1, 3], [0, 0, 1]), try f32([1, 1, 3], [1, 1, 1])], opset: 11)
        }
    }
}
