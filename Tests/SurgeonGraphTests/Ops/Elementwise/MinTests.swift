import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MinTests {
    @Test func twoInputsAndInt8() throws {
        #expect(try runNode("Min", [try f32([3], [1, 5, 2]), try f32([1], [3])])[0].scalars(of: Float.self) == [1, 3, 2])
        let y = try runNode("Min", [try Tensor(shape: [2], scalars: [Int8(-128), 4]), try Tensor(shape: [2], scalars: [Int8(0), 3])])[0]
        #expect(try y.scalars(of: Int8.self) == [-128, 3])
    }

    @Test func oneInputIsReturned() throws {
        #expect(try runNode("Min", [try f32([2], [7, 8])])[0].scalars(of: Float.self) == [7, 8])
    }
}
