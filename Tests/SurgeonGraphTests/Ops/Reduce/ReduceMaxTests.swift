import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceMaxTests {
    @Test func maxOfFloatsAndInts() throws {
        let out = try runNode("ReduceMax", [try f32([2, 2], [1, 5, 3, -2]), try Tensor(ints: [1])])[0]
        #expect(try out.scalars(of: Float.self) == [5, 3])
        let i = try Tensor(shape: [3], scalars: [Int8(-3), 7, 2])
        #expect(try runNode("ReduceMax", [i], attributes: [Attribute(name: "keepdims", value: .int(0))])[0].scalars(of: Int8.self) == [7])
    }

    @Test func emptySetGivesDtypeMinimum() throws {
        let i = try Tensor(shape: [0], scalars: [Int32]())
        #expect(try runNode("ReduceMax", [i])[0].scalars(of: Int32.self) == [Int32.min])
        let f = try runNode("ReduceMax", [try f32([0], [])])[0]
        #expect(try f.scalars(of: Float.self) == [-Float.infinity])
    }

    @Test func bool() throws {
        let b = try Tensor(bools: [false, true, false, false], shape: [2, 2])
        #expect(try runNode("ReduceMax", [b, try Tensor(ints: [1])], opset: 20)[0].scalars(of: Bool.self) == [true, false])
    }
}
