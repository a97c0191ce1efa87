import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct DivTests {
    @Test func floats() throws {
        let y = try runNode("Div", [try f32([3], [1, -3, 5]), try f32([3], [2, 2, 0])])[0]
        #expect(try y.scalars(of: Float.self) == [0.5, -1.5, .infinity])
    }

    @Test func integersTruncateAndDivisionByZeroIsZero() throws {
        let a = try Tensor(shape: [4], scalars: [Int32(7), -7, 7, Int32.min]), b = try Tensor(shape: [4], scalars: [Int32(2), 2, 0, -1])
        #expect(try runNode("Div", [a, b])[0].scalars(of: Int32.self) == [3, -3, 0, Int32.min])
    }
}
