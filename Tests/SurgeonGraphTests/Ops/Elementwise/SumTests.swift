import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SumTests {
    @Test func threeInputs() throws {
        let y = try runNode("Sum", [try f32([2], [1, 2]), try f32([2], [10, 20]), try f32([1], [100])])[0]
        #expect(try y.scalars(of: Float.self) == [111, 122])
    }
}
