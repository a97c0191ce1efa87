import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReluTests {
    @Test func floatsAndInts() throws {
        #expect(try runNode("Relu", [try f32([3], [-1, 0, 2])])[0].scalars(of: Float.self) == [0, 0, 2])
        #expect(try runNode("Relu", [try Tensor(shape: [2], scalars: [Int8(-3), 3])], opset: 14)[0].scalars(of: Int8.self) == [0, 3])
    }

    @Test func nanPropagates() throws {
        let y = try runNode("Relu", [try f32([3], [.nan, -.infinity, .infinity])])[0].scalars(of: Float.self)
        #expect(y[0].isNaN && y[1] == 0 && y[2] == .infinity)
    }
}
