import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct LessTests {
    @Test func floatsAndInts() throws {
        let y = try runNode("Less", [try f32([3], [1, 2, 3]), try f32([], [2])])[0]
        #expect(try y.scalars(of: Bool.self) == [true, false, false])
        let u = try runNode("Less", [try Tensor(shape: [3], scalars: [UInt64(1), 2, UInt64.max]), try Tensor(shape: [1], scalars: [UInt64(2)])])[0]
        #expect(try u.scalars(of: Bool.self) == [true, false, false])
    }
}
