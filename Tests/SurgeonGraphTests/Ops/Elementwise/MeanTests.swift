import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MeanTests {
    @Test func threeInputs() throws {
        let y = try runNode("Mean", [try f32([2], [1, 2]), try f32([2], [2, 4]), try f32([2], [3, 9])])[0]
        #expect(try y.scalars(of: Float.self) == [2, 5])
    }

    @Test func float16() throws {
        let a = try Tensor(shape: [1], scalars: [Float16(1)]), b = try Tensor(shape: [1], scalars: [Float16(2)])
        #expect(try runNode("Mean", [a, b])[0].scalars(of: Float16.self) == [1.5])
    }
}
