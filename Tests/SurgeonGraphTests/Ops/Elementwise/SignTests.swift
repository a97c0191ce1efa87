import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct SignTests {
    @Test func floatsAndInts() throws {
        #expect(isClose(try runNode("Sign", [try f32([4], [-2, 0, 3, .nan])])[0], try f32([4], [-1, 0, 1, .nan])))
        #expect(try runNode("Sign", [try Tensor(shape: [3], scalars: [Int64(-9), 0, 4])])[0].scalars(of: Int64.self) == [-1, 0, 1])
    }
}
