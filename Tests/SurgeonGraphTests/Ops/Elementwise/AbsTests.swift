import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct AbsTests {
    @Test func floatsAndInts() throws {
        #expect(try runNode("Abs", [try f32([3], [-1.5, 0, 2])])[0].scalars(of: Float.self) == [1.5, 0, 2])
        let y = try runNode("Abs", [try Tensor(shape: [3], scalars: [Int8(-5), 3, -128])])[0]
        #expect(try y.scalars(of: Int8.self) == [5, 3, -128])
    }
}
