import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct PowTests {
    @Test func floatBaseIntExponent() throws {
        let y = try runNode("Pow", [try f32([3], [2, -3, 4]), try Tensor(shape: [3], scalars: [Int64(3), 2, 0])])[0]
        #expect(y.dtype == .float32)
        #expect(try y.scalars(of: Float.self) == [8, 9, 1])
    }

    @Test func integerPowersAreExact() throws {
        let y = try runNode("Pow", [try Tensor(shape: [3], scalars: [Int64(3), -2, 10]), try Tensor(shape: [3], scalars: [Int64(39), 3, -1])])[0]
        #expect(try y.scalars(of: Int64.self) == [4052555153018976267, -8, 0])
    }

    @Test func intBaseFloatExponentTruncates() throws {
        let y = try runNode("Pow", [try Tensor(shape: [2], scalars: [Int32(2), 9]), try f32([2], [0.5, 0.5])])[0]
        #expect(try y.scalars(of: Int32.self) == [1, 3])
    }
}
