import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LayerNormalizationTests {
    @Test func normalisesLastAxisWithScaleBiasAndStats() throws {
        let x = try f32([2, 2], [1, 3, 0, 4])
        let out = try runNode("LayerNormalization", [x, try f32([2], [2, 1]), try f32([2], [0, 1])],
                              attributes: [Attribute(name: "epsilon", value: .float(0))], outputs: 3, opset: 17)
        #expect(isClose(out[0], try f32([2, 2], [-2, 2, -2, 2])))
        #expect(isClose(out[1], try f32([2, 1], [2, 2])))
        #expect(out[2].shape == [2, 1])
        #expect(try out[2].scalars(of: Float.self) == [1, 0.5])
    }

    @Test func badScaleShapeIsAnError() throws {
        #expect(throws: (any Error).self) {
            try runNode("LayerNormalization", [try f32([2, 2], [1, 2, 3, 4]), try f32([3], [1, 1, 1])], opset: 17)
        }
    }
}
