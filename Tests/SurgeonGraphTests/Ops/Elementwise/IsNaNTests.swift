import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct IsNaNTests {
    @Test func detectsNaN() throws {
        #expect(try runNode("IsNaN", [try f32([3], [1, .nan, .infinity])])[0].scalars(of: Bool.self) == [false, true, false])
    }
}
