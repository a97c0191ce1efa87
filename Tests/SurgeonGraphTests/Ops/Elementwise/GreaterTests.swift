import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct GreaterTests {
    @Test func floatsAndInts() throws {
        let y = try runNode("Greater", [try f32([3], [1, 2, 3]), try f32([], [2])])[0]
        #expect(try y.scalars(of: Bool.self) == [false, false, true])
        let u = try runNode("Greater", [try Tensor(shape: [3], scalars: [UInt64(1), 2, UInt64.max]), try Tensor(shape: [1], scalars: [UInt64(2)])])[0]
        #expect(try u.scalars(of: Bool.self) == [false, false, true])
    }
}
