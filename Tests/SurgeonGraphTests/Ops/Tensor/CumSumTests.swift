import SurgeonGraph
import SurgeonTensor
import Testing
import TestSupport

@Suite struct CumSumTests {
    @Test func exclusiveReverse() throws {
        let x = try f32([4], [1, 2, 3, 4])
        #expect(try runNode("CumSum", [x, Tensor(scalar: Int32(0))])[0].scalars(of: Float.self) == [1, 3, 6, 10])
        let er = try runNode("CumSum", [x, Tensor(scalar: Int64(0))], attributes: [Attribute(name: "exclusive", value: .int(1)), Attribute(name: "reverse", value: .int(1))])[0]
        #expect(try er.scalars(of: Float.self) == [9, 7, 4, 0])
        let m = try Tensor(shape: [2, 2], scalars: [Int32(1), 2, 3, 4])
        #expect(try runNode("CumSum", [m, Tensor(scalar: Int64(-1))])[0].scalars(of: Int32.self) == [1, 3, 3, 7])
    }
}
