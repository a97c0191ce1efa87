import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct RangeTests {
    @Test func intsAndFloats() throws {
        let i = try runNode("Range", [Tensor(scalar: Int32(10)), Tensor(scalar: Int32(4)), Tensor(scalar: Int32(-3))])[0]
        #expect(try i.scalars(of: Int32.self) == [10, 7])
        let f = try runNode("Range", [Tensor(scalar: Float(1)), Tensor(scalar: Float(2)), Tensor(scalar: Float(0.25))])[0]
        #expect(try f.scalars(of: Float.self) == [1, 1.25, 1.5, 1.75])
        #expect(throws: (any Error).self) { try runNode("Range", [Tensor(scalar: Int64(0)), Tensor(scalar: Int64(4)), Tensor(scalar: Int64(0))]) }
    }
}
