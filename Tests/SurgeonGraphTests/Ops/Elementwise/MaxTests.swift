import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct MaxTests {
    @Test func threeInputsBroadcastAndNaN() throws {
        let y = try runNode("Max", [try f32([3], [1, 5, .nan]), try f32([1], [3]), try f32([2, 1], [0, 4])])[0]
        #expect(y.shape == [2, 3])
        #expect(isClose(y, try f32([2, 3], [3, 5, .nan, 4, 5, .nan])))
    }

    @Test func uint64() throws {
        let y = try runNode("Max", [try Tensor(shape: [2], scalars: [UInt64.max, 1]), try Tensor(shape: [2], scalars: [UInt64(2), 2])])[0]
        #expect(try y.scalars(of: UInt64.self) == [UInt64.max, 2])
    }
}
