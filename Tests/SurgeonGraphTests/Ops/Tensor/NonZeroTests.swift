import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct NonZeroTests {
    @Test func coordinates() throws {
        let x = try f32([2, 2], [1, 0, 0, 3])
        let out = try runNode("NonZero", [x])[0]
        #expect(out.shape == [2, 2] && out.intArray() == [0, 1, 0, 1])
    }
}
