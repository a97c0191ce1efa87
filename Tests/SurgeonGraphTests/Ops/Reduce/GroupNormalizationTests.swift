import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GroupNormalizationTests {
    @Test func perChannelAffineInOpset21() throws {
        // N=1, C=2, spatial 2, one group of both channels: mean 2.5, var 1.25.
        let x = try f32([1, 2, 2], [1, 2, 3, 4])
        let out = try runNode("GroupNormalization", [x, try f32([2], [1, 2]), try f32([2], [0, 10])],
                              attributes: [Attribute(name: "num_groups", value: .int(1)), Attribute(name: "epsilon", value: .float(0))],
                              opset: 21)[0]
        let s = 1 / Float(1.25).squareRoot()
        #expect(isClose(out, try f32([1, 2, 2], [-1.5 * s, -0.5 * s, 10 + 2 * 0.5 * s, 10 + 2 * 1.5 * s])))
    }

    @Test func channelsMustSplitIntoGroups() throws {
        #expect(throws: (any Error).self) {
            try runNode("GroupNormalization", [try f32([1, 3, 1], [1, 2, 3]), try f32([3], [1, 1, 1]), try f32([3], [0, 0, 0])],
                        attributes: [Attribute(name: "num_groups", value: .int(2))], opset: 21)
        }
    }
}
