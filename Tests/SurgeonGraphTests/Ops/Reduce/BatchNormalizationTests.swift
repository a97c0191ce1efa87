import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct BatchNormalizationTests {
    @Test func inferenceUsesRunningStatistics() throws {
        let x = try f32([1, 2, 1], [3, 5])
        let out = try runNode("BatchNormalization", [x, try f32([2], [2, 1]), try f32([2], [1, 0]), try f32([2], [1, 1]), try f32([2], [4, 16])],
                              attributes: [Attribute(name: "epsilon", value: .float(0))], opset: 15)[0]
        #expect(isClose(out, try f32([1, 2, 1], [3, 1])))
    }

    @Test func trainingModeReturnsUpdatedStatistics() throws {
        let x = try f32([2, 1], [1, 3])  // batch mean 2, var 1
        let out = try runNode("BatchNormalization", [x, try f32([1], [1]), try f32([1], [0]), try f32([1], [0]), try f32([1], [1])],
                              attributes: [Attribute(name: "epsilon", value: .float(0)), Attribute(name: "training_mode", value: .int(1)),
                                           Attribute(name: "momentum", value: .float(0.5))], outputs: 3, opset: 15)
        #expect(isClose(out[0], try f32([2, 1], [-1, 1])))
        #expect(isClose(out[1], try f32([1], [1])))
        #expect(isClose(out[2], try f32([1], [1])))
    }
}
