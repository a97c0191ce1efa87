import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MulTests {
    @Test func broadcastsMiddleAxis() throws {
        let a = try f32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), b = try f32([2, 1, 2], [1, 10, 100, 1000])
        #expect(try runNode("Mul", [a, b])[0].scalars(of: Float.self) == [1, 20, 3, 40, 500, 6000, 700, 8000])
    }

    @Test func int16() throws {
        let a = try Tensor(shape: [2], scalars: [Int16(-3), 300]), b = try Tensor(shape: [], scalars: [Int16(4)])
        #expect(try runNode("Mul", [a, b])[0].scalars(of: Int16.self) == [-12, 1200])
    }
}
