import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceSumTests {
    @Test func sumsAxisFromInput() throws {
        let x = try f32([2, 3], [1, 2, 3, 4, 5, 6])
        let out = try runNode("ReduceSum", [x, try Tensor(ints: [1])], attributes: [Attribute(name: "keepdims", value: .int(0))], opset: 13)[0]
        #expect(out.shape == [2])
        #expect(try out.scalars(of: Float.self) == [6, 15])
    }

    @Test func axesAttributeBeforeOpset13AndNonContiguousAxes() throws {
        let x = try f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        let out = try runNode("ReduceSum", [x], attributes: [Attribute(name: "axes", value: .ints([0, 2]))], opset: 11)[0]
        #expect(out.shape == [1, 2, 1])
        #expect(try out.scalars(of: Float.self) == [14, 22])
    }

    @Test func noopWithEmptyAxesAndIntWrap() throws {
        let x = try Tensor(shape: [2], scalars: [Int32.max, 1])
        let all = try runNode("ReduceSum", [x], opset: 13)[0]
        #expect(try all.scalars(of: Int32.self) == [Int32.min])
        let noop = try runNode("ReduceSum", [x, try Tensor(ints: [])], attributes: [Attribute(name: "noop_with_empty_axes", value: .int(1))], opset: 13)[0]
        #expect(try noop.scalars(of: Int32.self) == [Int32.max, 1])
    }

    @Test func badAxisIsAnError() throws {
        #expect(throws: (any Error).self) { try runNode("ReduceSum", [try f32([2], [1, 2]), try Tensor(ints: [3])], opset: 13) }
    }
}
