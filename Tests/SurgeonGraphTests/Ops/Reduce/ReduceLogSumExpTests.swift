import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceLogSumExpTests {
    @Test func stableForLargeValues() throws {
        let out = try runNode("ReduceLogSumExp", [try f32([2], [1000, 1000])])[0]
        #expect(isClose(out, try f32([1], [1000.6931472])))
    }

    @Test func emptySetIsMinusInfinity() throws {
        let out = try runNode("ReduceLogSumExp", [try f32([0], [])])[0]
        #expect(try out.scalars(of: Float.self) == [-Float.infinity])
    }
}
