import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceSumSquareTests {
    @Test func sumOfSquaresAndNoopSquares() throws {
        let x = try f32([2, 2], [1, 2, 3, 4])
        #expect(try runNode("ReduceSumSquare", [x, try Tensor(ints: [0])])[0].scalars(of: Float.self) == [10, 20])
        let noop = try runNode("ReduceSumSquare", [x], attributes: [Attribute(name: "noop_with_empty_axes", value: .int(1))])[0]
        #expect(try noop.scalars(of: Float.self) == [1, 4, 9, 16])
    }
}
