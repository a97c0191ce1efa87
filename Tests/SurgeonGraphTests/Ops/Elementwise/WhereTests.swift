import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct WhereTests {
    @Test func broadcastsThreeInputs() throws {
        let c = try Tensor(bools: [true, false], shape: [2, 1])
        let y = try runNode("Where", [c, try f32([2], [1, 2]), try f32([], [9])])[0]
        #expect(try y.scalars(of: Float.self) == [1, 2, 9, 9])
    }

    @Test func int64AndStrings() throws {
        let c = try Tensor(bools: [true, false], shape: [2])
        let i = try runNode("Where", [c, try Tensor(shape: [2], scalars: [Int64(1), 2]), try Tensor(shape: [2], scalars: [Int64(-1), -2])])[0]
        #expect(try i.scalars(of: Int64.self) == [1, -2])
        let s = try runNode("Where", [c, Tensor(shape: [1], strings: ["x"]), Tensor(shape: [2], strings: ["a", "b"])])[0]
        #expect(s.strings == ["x", "b"])
    }
}
