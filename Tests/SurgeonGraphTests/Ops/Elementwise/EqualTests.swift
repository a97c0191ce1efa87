import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct EqualTests {
    @Test func floatsAndInts() throws {
        let y = try runNode("Equal", [try f32([3], [1, 2, 3]), try f32([], [2])])[0]
        #expect(try y.scalars(of: Bool.self) == [false, true, false])
        let u = try runNode("Equal", [try Tensor(shape: [3], scalars: [UInt64(1), 2, UInt64.max]), try Tensor(shape: [1], scalars: [UInt64(2)])])[0]
        #expect(try u.scalars(of: Bool.self) == [false, true, false])
    }
}

extension EqualTests {
    @Test func strings() throws {
        let y = try runNode("Equal", [Tensor(shape: [2], strings: ["a", "b"]), Tensor(shape: [1], strings: ["b"])], opset: 19)[0]
        #expect(try y.scalars(of: Bool.self) == [false, true])
    }
}
