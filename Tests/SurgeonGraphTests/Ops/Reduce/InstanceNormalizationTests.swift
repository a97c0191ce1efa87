import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct InstanceNormalizationTests {
    @Test func perChannelStatistics() throws {
        let x = try f32([1, 2, 2], [1, 3, 10, 10])
        let out = try runNode("InstanceNormalization", [x, try f32([2], [1, 1]), try f32([2], [0, 5])])[0]
        #expect(isClose(out, try f32([1, 2, 2], [-1, 1, 5, 5])))
    }
}
