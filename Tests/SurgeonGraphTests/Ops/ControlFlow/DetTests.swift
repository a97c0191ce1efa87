import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct DetTests {
    @Test func batchedDeterminants() throws {
        let x = try f32([2, 3, 3], [2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 1, 0, 1, 0, 0, 0, 0, 1])
        #expect(isClose(try runNode("Det", [x], opset: 11)[0], try f32([2], [24, -1])))
    }

    @Test func nonSquareIsAnError() throws {
        #expect(throws: (any Error).self) { try runNode("Det", [try f32([2, 3], [1, 2, 3, 4, 5, 6])], opset: 11) }
    }
}
