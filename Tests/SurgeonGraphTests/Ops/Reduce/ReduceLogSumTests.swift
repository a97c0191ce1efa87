import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceLogSumTests {
    @Test func logOfSum() throws {
        let out = try runNode("ReduceLogSum", [try f32([2, 2], [1, 2, 3, 4]), try Tensor(ints: [1])])[0]
        #expect(isClose(out, try f32([2, 1], [1.0986123, 1.9459101])))
    }
}
