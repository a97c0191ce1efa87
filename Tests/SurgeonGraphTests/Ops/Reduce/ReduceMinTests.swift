import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct ReduceMinTests {
    @Test func minAlongAxisZero() throws {
        let out = try runNode("ReduceMin", [try f32([2, 2], [1, 5, 3, -2]), try Tensor(ints: [0])])[0]
        #expect(out.shape == [1, 2])
        #expect(try out.scalars(of: Float.self) == [1, -2])
    }

    @Test func emptyUnsignedGivesMaximum() throws {
        let u = try Tensor(shape: [0], scalars: [UInt8]())
        #expect(try runNode("ReduceMin", [u])[0].scalars(of: UInt8.self) == [255])
    }
}
