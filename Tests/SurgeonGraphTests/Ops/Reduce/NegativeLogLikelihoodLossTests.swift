import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct NegativeLogLikelihoodLossTests {
    @Test func weightedMeanWithIgnoredTarget() throws {
        let x = try f32([3, 2], [-1, -2, -3, -4, -5, -6])
        let t = try Tensor(ints: [1, 0, 1])
        let w = try f32([2], [1, 2])
        let out = try runNode("NegativeLogLikelihoodLoss", [x, t, w], attributes: [Attribute(name: "ignore_index", value: .int(0))])[0]
        // (2*2 + 6*2) / (2 + 2)
        #expect(isClose(out, try Tensor(shape: [], scalars: [Float(4)])))
        let none = try runNode("NegativeLogLikelihoodLoss", [x, t], attributes: [Attribute(name: "reduction", value: .string("none"))])[0]
        #expect(try none.scalars(of: Float.self) == [2, 3, 6])
    }

    @Test func targetOutOfRangeIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("NegativeLogLikelihoodLoss", [try f32([1, 2], [0, 0]), try Tensor(ints: [2])])
        }
    }
}
